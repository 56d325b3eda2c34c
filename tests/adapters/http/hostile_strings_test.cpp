// Hostile strings in every string field of every route, over a real socket, on every
// store: each value is refused with 400 and changes nothing, or is stored and reads back
// byte-identical. A NUL that the memory store keeps can cut SQL text short on SQLite or be
// truncated by PostgreSQL; quotes and backslashes must never reach SQL as text.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/http/api.hpp"
#include "libsync/http/event_hub.hpp"
#include "libsync/http/server.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"
#include "postgres_cluster.hpp"
#include "temp_dir.hpp"
#include "test_client.hpp"

namespace libsync::web {
namespace {

namespace json = boost::json;

const std::string kAdmin = "admin-token-for-hostile-strings";

enum class StoreKind { kMemory, kSqlite, kPostgres };

std::string KindName(const ::testing::TestParamInfo<StoreKind>& info) {
  switch (info.param) {
    case StoreKind::kMemory: return "Memory";
    case StoreKind::kSqlite: return "Sqlite";
    case StoreKind::kPostgres: return "Postgres";
  }
  return "Unknown";
}

std::string FourKilobytes() {
  const std::string unit = "ab'\"\\;-- \xF0\x9F\x98\x80 ";  // quotes, backslash, SQL comment, an astral character
  std::string out;
  while (out.size() + unit.size() <= 4096) out += unit;
  out.append(4096 - out.size(), 'x');
  return out;
}

struct Hostile {
  std::string name;
  std::string value;
};

std::vector<Hostile> HostileValues() {
  return {{"NUL", std::string("a\0b", 3)},
          {"NUL alone", std::string("\0", 1)},
          {"quotes", "it's \"quoted\" '' \"\""},
          {"backslashes", "back\\slash \\\\ \\0 \\x00 \\'"},
          {"control characters", "bell\x07 esc\x1b[31m del\x7f"},
          {"line breaks", "a\r\nb\tc\n"},
          {"bidi override", "safe\xE2\x80\xAE" "dm.exe\xE2\x80\xAC"},
          {"astral characters", "\xF0\x9F\x98\x80 \xF0\x9D\x84\x9E \xF0\x9F\x92\xA9"},
          {"SQL", "'); DROP TABLE \"Doc\"; --"},
          {"percent and JSON escapes", "%00%27 \\u0000 ${x} $1 ?"},
          {"4 KB", FourKilobytes()}};
}

std::string PercentEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

struct Reply {
  int status = 0;
  json::value body;
};

class HostileStringsTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case StoreKind::kMemory:
        store_ = MakeMemoryStore();
        break;
      case StoreKind::kSqlite:
        store_ = sql::OpenSqlStore({.url = "sqlite://" + dir_.path() + "/hostile.db"}).value();
        break;
      case StoreKind::kPostgres: {
        LIBSYNC_POSTGRES_OR_SKIP(cluster);
        store_ = sql::OpenSqlStore({.url = cluster->NewDatabase()}).value();
        break;
      }
    }
    sync_ = std::make_unique<SyncService>(*store_, SystemClock(), SystemRandom(), *box_, hub_);
    api_ = std::make_unique<Api>(*sync_, nullptr, ApiOptions{.admin_token = kAdmin});
    ServerOptions options;
    options.port = 0;
    options.access_log = false;
    options.events = &hub_;
    server_ = Server::Start(*api_, options).value();
    project_ = Call("POST", "/api/projects", json::object{{"name", "web"}, {"repoUrl", "https://e.com/r.git"}})
                   .body.at("id")
                   .as_string()
                   .c_str();
  }
  void TearDown() override {
    if (server_) server_->Stop(std::chrono::seconds(1));
  }

  Reply Call(const std::string& method, const std::string& target, const json::value& body = nullptr,
             const std::string& headers = "") {
    const std::string text = body.is_null() ? "" : json::serialize(body);
    Client client(server_->port());
    EXPECT_TRUE(client.connected());
    client.Send(method + " " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdmin + "\r\n" + headers +
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text);
    const std::string raw = client.ReadResponse();
    Reply reply{StatusOf(raw), nullptr};
    const auto at = raw.find("\r\n\r\n");
    if (at != std::string::npos && at + 4 < raw.size()) {
      boost::system::error_code ec;
      reply.body = json::parse(raw.substr(at + 4), ec);
      EXPECT_FALSE(ec) << raw.substr(0, 300);
    }
    return reply;
  }

  // Everything a refused request could have changed, read through the API.
  std::string Snapshot() {
    const json::value projects = Call("GET", "/api/projects").body;
    std::string out = json::serialize(projects);
    for (const auto& p : projects.as_array()) {
      const std::string id(p.at("id").as_string());
      for (const char* part : {"/docs", "/lock", "/api-keys"}) {
        out += json::serialize(Call("GET", "/api/projects/" + id + part).body);
      }
    }
    return out;
  }

  // A 400 that changed nothing, or a 2xx whose value `read_back` returns byte-identical.
  template <class ReadBack>
  void ExpectRefusedOrExact(const std::string& field, const Hostile& h, const std::string& before, const Reply& reply,
                            ReadBack read_back) {
    SCOPED_TRACE(field + " = " + h.name);
    ASSERT_TRUE(reply.status == 400 || (reply.status >= 200 && reply.status < 300))
        << reply.status << " " << json::serialize(reply.body);
    if (h.value.find('\0') != std::string::npos) {
      EXPECT_EQ(reply.status, 400) << "NUL must be refused on every store";
    }
    if (reply.status == 400) {
      EXPECT_EQ(Snapshot(), before) << "a refused request changed something";
      return;
    }
    const std::string stored = read_back(reply);
    EXPECT_EQ(stored, h.value) << "stored " << stored.size() << " bytes, sent " << h.value.size();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  EventHub hub_;
  std::unique_ptr<SyncService> sync_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  std::string project_;
};

std::string StringAt(const json::value& v, const char* key) {
  const auto* field = v.as_object().if_contains(key);
  return field && field->is_string() ? std::string(field->as_string()) : std::string("<missing>");
}

TEST_P(HostileStringsTest, ProjectFields) {
  for (const Hostile& h : HostileValues()) {
    for (const char* field : {"name", "repoUrl", "branch", "docsPath"}) {
      json::object body{{"name", "p"}, {"repoUrl", "https://e.com/r.git"}};
      body[field] = json::string(h.value);
      const std::string before = Snapshot();
      const Reply created = Call("POST", "/api/projects", body);
      ExpectRefusedOrExact(std::string("POST ") + field, h, before, created, [&](const Reply& r) {
        const std::string id = StringAt(r.body, "id");
        const std::string stored = StringAt(Call("GET", "/api/projects/" + id).body, field);
        EXPECT_EQ(Call("DELETE", "/api/projects/" + id).status, 200);
        return stored;
      });
      const std::string before_update = Snapshot();
      const Reply updated = Call("PUT", "/api/projects/" + project_, json::object{{field, json::string(h.value)}});
      ExpectRefusedOrExact(std::string("PUT ") + field, h, before_update, updated, [&](const Reply&) {
        const std::string stored = StringAt(Call("GET", "/api/projects/" + project_).body, field);
        json::object restore{{"name", "web"}, {"repoUrl", "https://e.com/r.git"}, {"branch", "main"}, {"docsPath", "docs"}};
        EXPECT_EQ(Call("PUT", "/api/projects/" + project_, restore).status, 200);
        return stored;
      });
    }
    // The git token is write-only: refused, or accepted and never echoed.
    const std::string before = Snapshot();
    const Reply token = Call("PUT", "/api/projects/" + project_, json::object{{"token", json::string(h.value)}});
    SCOPED_TRACE("token = " + h.name);
    if (h.value.find('\0') != std::string::npos || token.status == 400) {
      EXPECT_EQ(token.status, 400);
      EXPECT_EQ(Snapshot(), before);
    } else {
      EXPECT_EQ(token.status, 200) << json::serialize(token.body);
      EXPECT_EQ(json::serialize(token.body).find(h.value), std::string::npos);
    }
  }
}

TEST_P(HostileStringsTest, KeyName) {
  for (const Hostile& h : HostileValues()) {
    const std::string before = Snapshot();
    const Reply r = Call("POST", "/api/projects/" + project_ + "/api-keys", json::object{{"name", json::string(h.value)}});
    ExpectRefusedOrExact("key name", h, before, r, [&](const Reply& created) {
      std::string stored = "<not listed>";
      const json::value keys = Call("GET", "/api/projects/" + project_ + "/api-keys").body;
      for (const auto& k : keys.as_array()) {
        if (StringAt(k, "id") == StringAt(created.body, "id")) stored = StringAt(k, "name");
      }
      return stored;
    });
  }
}

TEST_P(HostileStringsTest, DocContentAndFileName) {
  const std::string docs = "/api/projects/" + project_ + "/docs/";
  for (const Hostile& h : HostileValues()) {
    const std::string before = Snapshot();
    const Reply put = Call("PUT", docs + "hostile.md", json::object{{"content", json::string(h.value)}});
    ExpectRefusedOrExact("content", h, before, put, [&](const Reply&) {
      return StringAt(Call("GET", docs + "hostile.md").body, "content");
    });
    const std::string name = h.value + ".md";
    const std::string before_name = Snapshot();
    const Reply named = Call("PUT", docs + PercentEncode(name), json::object{{"content", "x"}});
    ExpectRefusedOrExact("fileName", Hostile{h.name, name}, before_name, named, [&](const Reply&) {
      const std::string stored = StringAt(Call("GET", docs + PercentEncode(name)).body, "fileName");
      EXPECT_EQ(Call("DELETE", docs + PercentEncode(name)).status, 200);
      return stored;
    });
  }
}

TEST_P(HostileStringsTest, LockFieldsAndForceReason) {
  const std::string lock = "/api/projects/" + project_ + "/lock";
  for (const Hostile& h : HostileValues()) {
    for (const char* field : {"lockedBy", "reason"}) {
      json::object body{{"lockedBy", "lead"}};
      body[field] = json::string(h.value);
      const std::string before = Snapshot();
      const Reply acquired = Call("POST", lock, body);
      ExpectRefusedOrExact(field, h, before, acquired, [&](const Reply& grant) {
        const std::string stored = StringAt(Call("GET", lock).body, field);
        EXPECT_EQ(Call("DELETE", lock, nullptr, "X-Lock-Token: " + StringAt(grant.body, "token") + "\r\n").status, 200);
        return stored;
      });
    }
    ASSERT_EQ(Call("POST", lock, json::object{{"lockedBy", "lead"}}).status, 201);
    const std::string before = Snapshot();
    const Reply forced = Call("DELETE", lock + "?force=true&reason=" + PercentEncode(h.value));
    SCOPED_TRACE("force reason = " + h.name);
    if (forced.status == 400) {
      EXPECT_EQ(Snapshot(), before);
      ASSERT_EQ(Call("DELETE", lock + "?force=true&reason=cleanup").status, 200);
    } else {
      EXPECT_EQ(forced.status, 200) << json::serialize(forced.body);
      EXPECT_EQ(h.value.find('\0'), std::string::npos) << "NUL must be refused";
    }
    EXPECT_TRUE(Call("GET", lock).body.is_null());
  }
}

INSTANTIATE_TEST_SUITE_P(EveryStore, HostileStringsTest,
                         ::testing::Values(StoreKind::kMemory, StoreKind::kSqlite, StoreKind::kPostgres), KindName);

}  // namespace
}  // namespace libsync::web
