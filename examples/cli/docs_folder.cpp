#include "docs_folder.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "files.hpp"
#include "libsync/validation.hpp"
#include "terminal_text.hpp"

namespace aitk {
namespace {

namespace fs = std::filesystem;
using libsync::Status;

// Beside the docs; the server refuses docs of these names (libsync/validation.hpp).
const std::string kHashFile(libsync::kPulledHashFileName);
const std::string kManifestFile(libsync::kPulledManifestFileName);
constexpr const char* kDefaultFolderName = ".docs";

std::string ManifestText(const std::map<std::string, std::string>& manifest) {
  std::string text;
  for (const auto& [name, hash] : manifest) text += hash + "  " + name + "\n";  // sha256sum's format
  return text;
}

}  // namespace

bool DocsFolder::Exists() const { return fs::is_directory(dir_); }

std::string DocsFolder::SyncedHash() const { return ReadValue(dir_ / kHashFile); }

std::map<std::string, std::string> DocsFolder::Manifest() const {
  std::map<std::string, std::string> out;
  auto text = ReadFile(dir_ / kManifestFile);
  if (!text) return out;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto sep = line.find("  ");
    if (sep != std::string::npos) out[line.substr(sep + 2)] = line.substr(0, sep);
  }
  return out;
}

std::optional<std::string> DocsFolder::FileNameOf(const fs::path& path) const {
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(dir_, ec);
  const fs::path full = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) return std::nullopt;
  const fs::path relative = full.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") return std::nullopt;
  return relative.generic_string();
}

Status DocsFolder::CheckReplaceable() const {
  // What a pull swaps out is removed: only a folder this tool wrote (its .sync-hash or
  // .sync-manifest is there), an empty one or one named as aitk names its own (`.docs`,
  // committed by a team with its .sync files ignored) is a docs folder to replace. A docs
  // folder set to the project's own `docs/`, or a file of that name, is the user's.
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(dir_, ec);
  // Nothing there, or a link: the swap replaces the link itself, and what it points to stays.
  if (!fs::exists(status) || fs::is_symlink(status)) return Status::Ok();
  const bool ours = fs::is_directory(dir_, ec) &&
                    (fs::exists(dir_ / kHashFile, ec) || fs::exists(dir_ / kManifestFile, ec) ||
                     fs::is_empty(dir_, ec) || dir_.filename() == kDefaultFolderName);
  if (ours) return Status::Ok();
  return Status::InvalidArgument("refusing to replace " + dir_.string() + ": it is not a docs folder aitk wrote (no " +
                                 kHashFile + "), and a pull would delete what it holds; move it away, or choose " +
                                 "another docs folder (AI_TOOLKIT_DOCS_DIR, --dir)");
}

Status DocsFolder::Replace(const Snapshot& snapshot) const {
  LIBSYNC_RETURN_IF_ERROR(CheckReplaceable());
  // Refuse the whole snapshot before touching the disk if any name could escape, or take
  // the name of git's folder, a device or aitk's own files (the server's own rules,
  // checked again: a server may be older, or not ours).
  for (const RemoteDoc& doc : snapshot.docs) {
    if (Status s = libsync::ValidateFileName(doc.file_name); !s.ok()) {
      return Status::InvalidArgument("refusing to write doc '" + TerminalSafe(doc.file_name) + "': " + s.message());
    }
  }
  std::error_code ec;
  const fs::path parent = dir_.parent_path().empty() ? fs::path(".") : dir_.parent_path();
  fs::create_directories(parent, ec);
  const fs::path staging = parent / (dir_.filename().string() + ".incoming-" + RandomSuffix());
  fs::create_directories(staging, ec);
  if (ec) return IoError("cannot create", staging, ec);

  std::map<std::string, std::string> manifest;
  // On a file system that folds letter case or Unicode forms (NTFS under WSL, a casefold
  // ext4 folder, a mounted share), two doc names can be one file, and the second write would
  // replace the first without a word. The staging folder starts empty, so a file already
  // at a doc's path is another doc's: the pull is refused, naming both.
  const auto same_file = [&](const RemoteDoc& doc, const fs::path& target) {
    std::string other = "another doc";
    for (const RemoteDoc& earlier : snapshot.docs) {
      if (&earlier == &doc) break;
      std::error_code unused;
      if (fs::equivalent(staging / fs::path(earlier.file_name), target, unused)) {
        other = "'" + TerminalSafe(earlier.file_name) + "'";
      }
    }
    return Status::InvalidArgument("refusing to write doc '" + TerminalSafe(doc.file_name) + "': it is the same file as " + other +
                                   " on this file system (names that differ only in letter case or Unicode form); "
                                   "rename one of them on the server");
  };
  auto write_all = [&]() -> Status {
    for (const RemoteDoc& doc : snapshot.docs) {
      const fs::path target = staging / fs::path(doc.file_name);
      fs::create_directories(target.parent_path(), ec);
      if (ec) return IoError("cannot create", target.parent_path(), ec);
      if (fs::exists(target, ec)) return same_file(doc, target);
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      out << doc.content;
      if (!out.flush()) return Status::Internal("cannot write " + target.string());
      manifest[doc.file_name] = doc.hash;  // checked against the content by PlatformClient::Pull
    }
    std::ofstream(staging / kManifestFile, std::ios::trunc) << ManifestText(manifest);
    std::ofstream hash(staging / kHashFile, std::ios::trunc);
    hash << snapshot.hash << "\n";
    if (!hash.flush()) return Status::Internal("cannot write " + (staging / kHashFile).string());
    return Status::Ok();
  };
  Status written = write_all();
  if (written.ok()) {
    if (fs::exists(dir_)) {
      // Swap in one step, then remove what was swapped out.
      if (renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) != 0) {
        written = Status::Internal("cannot swap in " + dir_.string() + ": " + std::strerror(errno));
      }
    } else if (::rename(staging.c_str(), dir_.c_str()) != 0) {
      written = Status::Internal("cannot create " + dir_.string() + ": " + std::strerror(errno));
    }
  }
  fs::remove_all(staging, ec);  // the old docs after a swap, or the partial new ones
  return written;
}

Status DocsFolder::RecordPushed(const std::string& file_name, const std::string& content,
                                const std::string& hash) const {
  LIBSYNC_RETURN_IF_ERROR(WriteFileAtomically(dir_ / fs::path(file_name), content));
  auto manifest = Manifest();
  manifest[file_name] = hash;
  return WriteFileAtomically(dir_ / kManifestFile, ManifestText(manifest));
}

}  // namespace aitk
