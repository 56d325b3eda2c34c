#include "files.hpp"

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

namespace aitk {

namespace fs = std::filesystem;
using libsync::Status;

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ReadValue(const fs::path& path) {
  auto text = ReadFile(path);
  if (!text) return {};
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return *text;
}

Status IoError(const std::string& what, const fs::path& path, const std::error_code& ec) {
  return Status::Internal(what + " " + path.string() + ": " + ec.message());
}

std::string RandomSuffix() {
  std::random_device rd;
  return std::to_string(rd()) + std::to_string(::getpid());
}

Status WriteFileAtomically(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return IoError("cannot create", path.parent_path(), ec);
  const fs::path temp = path.string() + ".tmp-" + RandomSuffix();
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return Status::Internal("cannot write " + temp.string());
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return Status::Internal("cannot replace " + path.string());
  }
  return Status::Ok();
}

}  // namespace aitk
