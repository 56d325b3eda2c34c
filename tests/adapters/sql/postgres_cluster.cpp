#include "postgres_cluster.hpp"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

namespace libsync::testing {
namespace {

const char* kBinDir = "/usr/lib/postgresql/15/bin";

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// initdb refuses to run as root, so as root the cluster belongs to user postgres.
std::string AsClusterOwner(const std::string& command) {
  if (geteuid() != 0) return command;
  return "runuser -u postgres -- " + command;
}

std::string& Why() {
  static std::string why;
  return why;
}

}  // namespace

bool PostgresRequired() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

const std::string& PostgresCluster::Unavailable() { return Why(); }

PostgresCluster* PostgresCluster::Get() {
  static std::once_flag once;
  static std::unique_ptr<PostgresCluster> cluster;
  std::call_once(once, [] {
    std::unique_ptr<PostgresCluster> c(new PostgresCluster());
    if (c->Start(&Why())) cluster = std::move(c);
  });
  return cluster.get();
}

bool PostgresCluster::Start(std::string* why) {
  if (!std::filesystem::exists(std::string(kBinDir) + "/initdb")) {
    *why = std::string("PostgreSQL 15 binaries not found in ") + kBinDir;
    return false;
  }
  char tmpl[] = "/tmp/libsync-pg-XXXXXX";
  if (!mkdtemp(tmpl)) {
    *why = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      *why = "running as root and there is no user 'postgres' to own the cluster";
      return false;
    }
  }
  port_ = FreeLoopbackPort();
  const std::string data = dir_ + "/data";
  const std::string init = AsClusterOwner(std::string(kBinDir) + "/initdb -D " + data +
                                          " -A trust -U postgres -E UTF8 --no-sync > " + dir_ +
                                          "/initdb.log 2>&1");
  if (std::system(init.c_str()) != 0) {
    *why = "initdb failed; see " + dir_ + "/initdb.log";
    return false;
  }
  if (!Start()) {
    *why = "pg_ctl start failed; see " + dir_ + "/server.log";
    return false;
  }
  base_url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(port_);
  return true;
}

std::string PostgresCluster::PgCtl(const std::string& action) const {
  return AsClusterOwner(std::string(kBinDir) + "/pg_ctl -D " + dir_ + "/data -l " + dir_ +
                        "/server.log -w -t 60 -o \"-p " + std::to_string(port_) + " -k " + dir_ +
                        " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" " + action +
                        " > /dev/null 2>&1");
}

bool PostgresCluster::Start() { return std::system(PgCtl("start").c_str()) == 0; }

bool PostgresCluster::StopImmediately() { return std::system(PgCtl("-m immediate stop").c_str()) == 0; }

int PostgresCluster::TerminateSessions(const std::string& url) {
  soci::session admin(soci::postgresql, AdminConnectString());
  const std::string db = url.substr(url.rfind('/') + 1);
  int count = 0;
  admin << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :d AND pid <> "
           "pg_backend_pid()",
      soci::use(db), soci::into(count);
  return count;
}

std::string PostgresCluster::AddPasswordUser(const std::string& url, const std::string& user,
                                             const std::string& password) {
  const std::string db = url.substr(url.rfind('/') + 1);
  {
    soci::session admin(soci::postgresql, AdminConnectString());
    std::string quoted;  // a SQL string literal: utility statements take no parameters
    for (char c : password) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    admin << "CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + quoted + "'";
    admin << "ALTER DATABASE " + db + " OWNER TO \"" + user + "\"";
  }
  // First match wins in pg_hba.conf: this role, over TCP, must give its password.
  const std::string hba = dir_ + "/data/pg_hba.conf";
  std::string text;
  {
    std::ifstream in(hba);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::ofstream(hba, std::ios::trunc) << "host all \"" << user << "\" 127.0.0.1/32 scram-sha-256\n" << text;
  {
    soci::session admin(soci::postgresql, AdminConnectString());
    admin << "SELECT pg_reload_conf()";
  }
  // The reload is asynchronous: wait until a wrong password is refused.
  const std::string wrong = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + db + " user='" + user +
                            "' password=wrong-password";
  for (int i = 0; i < 100; ++i) {
    PGconn* probe = PQconnectdb(wrong.c_str());
    const bool refused = PQstatus(probe) != CONNECTION_OK;
    PQfinish(probe);
    if (refused) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto encode = [](const std::string& raw) {
    std::string out;
    for (unsigned char c : raw) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        constexpr char kHex[] = "0123456789ABCDEF";
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    }
    return out;
  };
  return "postgresql://" + encode(user) + ":" + encode(password) + "@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PostgresCluster::AdminConnectString() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=postgres";
}

std::string PostgresCluster::ConnectStringFor(const std::string& url) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + url.substr(url.rfind('/') + 1) +
         " user=postgres";
}

std::string PostgresCluster::NewDatabase() {
  const std::string name = "libsync_t" + std::to_string(getpid()) + "_" + std::to_string(next_db_++);
  soci::session admin(soci::postgresql, AdminConnectString());
  admin << "CREATE DATABASE " + name;
  return base_url_ + "/" + name;
}

PostgresCluster::~PostgresCluster() {
  if (dir_.empty()) return;
  const std::string stop = AsClusterOwner(std::string(kBinDir) + "/pg_ctl -D " + dir_ +
                                          "/data -m immediate stop > /dev/null 2>&1");
  (void)std::system(stop.c_str());
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace libsync::testing
