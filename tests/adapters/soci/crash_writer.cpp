// The crash test's victim: writes docs through the SQL store in a loop and, after each
// commit, reports "<fileName> <version> <hash>" on stdout, unbuffered, until killed.
// Usage: crash_writer URL PROJECT_ID

#include <unistd.h>

#include <cstdio>
#include <string>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"

int main(int argc, char** argv) {
  using namespace libsync;
  if (argc != 3) return 2;
  auto store = sql::OpenSqlStore({.url = argv[1], .pool_size = 1});
  if (!store) {
    std::fprintf(stderr, "open: %s\n", store.error().ToString().c_str());
    return 1;
  }
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync(**store, SystemClock(), SystemRandom(), *box, NullEventSink());
  const Caller admin = Caller::Admin();
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
