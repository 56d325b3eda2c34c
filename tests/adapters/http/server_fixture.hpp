#pragma once
// A real server on loopback over an in-memory store (behind a FaultyStore, which passes
// everything through until told to fail), with one project and a read key for it.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/http/server.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/testing/faulty_store.hpp"
#include "test_client.hpp"

namespace libsync::web {

inline const std::string kFixtureAdmin = "admin-token-for-server-fixture-0123";

class ServerFixture : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    options.access_log = false;
    options.events = &hub_;
    auto started = Server::Start(api_, options);
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    server_ = std::move(started).value();
    project_ = sync_.projects().Create(Caller::Admin(), {.name = "web", .repo_url = "x"})->id;
    key_ = sync_.keys().Create(Caller::Admin(), project_, "laptop")->plain_key;
  }
  void TearDown() override {
    if (server_) server_->Stop(std::chrono::seconds(1));
  }
  std::uint16_t port() const { return server_->port(); }
  std::string KeyHeader() const { return "X-API-Key: " + key_ + "\r\n"; }
  std::string AdminHeader() const { return "Authorization: Bearer " + kFixtureAdmin + "\r\n"; }
  std::string DocPath(const std::string& name) const { return "/api/projects/" + project_ + "/docs/" + name; }
  std::string SseRequest(const std::string& headers) const {
    return "GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
  }

  std::unique_ptr<Store> memory_ = MakeMemoryStore();
  testing::FaultyStore store_{*memory_};
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  EventHub hub_;
  SyncService sync_{store_, SystemClock(), SystemRandom(), *box_, hub_};
  Api api_{sync_, nullptr, {.admin_token = kFixtureAdmin}};
  std::unique_ptr<Server> server_;
  std::string project_, key_;
};

}  // namespace libsync::web
