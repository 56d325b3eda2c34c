// libFuzzer: raw bytes as the JSON body of every route that decodes one, sent with valid
// credentials (and the live lock's token) so the decoders and what follows them run.

#include "fuzz_world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& world = libsync::fuzz::TheWorld();
  const std::string body(reinterpret_cast<const char*>(data), size);
  const std::string p = "/api/projects/" + world.project;
  struct Route {
    const char* method;
    std::string target;
  };
  const Route routes[] = {
      {"PUT", p + "/docs/a.md"},          {"PUT", p + "/docs/new/b.md"},  {"POST", p + "/docs/a.md/revert"},
      {"POST", p + "/lock"},              {"POST", p + "/lock/extend"},   {"POST", p + "/api-keys"},
      {"POST", "/api/projects"},          {"PUT", p},
  };
  for (const Route& r : routes) {
    libsync::web::Request request{r.method, r.target,
                                  {{"authorization", "Bearer fuzz-admin-token-0123456789"},
                                   {"x-lock-token", world.lock_token},
                                   {"content-type", "application/json"}},
                                  body};
    world.Check(request);
  }
  return 0;
}
