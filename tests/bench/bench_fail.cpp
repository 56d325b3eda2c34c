#include "bench_fail.hpp"

#include <errno.h>  // program_invocation_short_name (glibc)

#include <cstdio>
#include <cstdlib>

namespace libsync::bench {

void Fail(const std::string& what) {
  std::fprintf(stderr, "%s: FAILED: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);
}

}  // namespace libsync::bench
