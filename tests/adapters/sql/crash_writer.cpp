// The crash test's victim: writes docs through the SQL store in a loop and, after each
// commit, reports "<fileName> <version> <hash>" on stdout, unbuffered, until killed.
// Usage: crash_writer URL PROJECT_ID [exclusive]   (exclusive: hold the SQLite file alone)

#include <unistd.h>

#include <cstdio>
#include <string>

#include "sql_services.hpp"

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 4 && std::string(argv[3]) == "exclusive")) return 2;
  std::string error;
  auto services =
      libsync::testing::SqlServices::Open({.url = argv[1], .pool_size = 1, .sqlite_exclusive = argc == 4}, &error);
  if (!services) {
    std::fprintf(stderr, "open: %s\n", error.c_str());
    return 1;
  }
  libsync::SyncService& sync = services->sync;
  const libsync::Caller& admin = services->admin;
  for (long i = 0;; ++i) {
    const std::string name = "doc-" + std::to_string(i % 16) + ".md";
    auto written = sync.docs().Put(admin, argv[2], name, "revision " + std::to_string(i) + "\n");
    if (!written) {
      std::fprintf(stderr, "put: %s\n", written.error().ToString().c_str());
      return 1;
    }
    const std::string line = name + " " + std::to_string(written->doc.version) + " " + written->doc.hash + "\n";
    if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
}
