#include "tests/integration/test_env.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

extern char** environ;

namespace csx::testing {
namespace {

// The tests talk HTTPS through OpenSSL, which writes with write(2): a server
// that closes a refused connection first must fail that request, not raise
// SIGPIPE in the test process.
const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

// Spawn attributes that start a child with every signal at its default
// disposition and none blocked, as a service manager starts csxd, whatever
// this test process ignores or blocks.
class DefaultSignals {
 public:
  DefaultSignals() {
    posix_spawnattr_init(&attr_);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setflags(&attr_,
                             POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~DefaultSignals() { posix_spawnattr_destroy(&attr_); }
  DefaultSignals(const DefaultSignals&) = delete;
  DefaultSignals& operator=(const DefaultSignals&) = delete;
  const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

}  // namespace

TempDir::TempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "csx-test-XXXXXX").string();
  char* p = mkdtemp(tmpl.data());
  if (p == nullptr) std::abort();
  path_ = p;
}

TempDir::~TempDir() {
  if (std::getenv("CSX_KEEP_TMP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

bool Shell(const std::string& command) {
  const int rc = std::system(command.c_str());
  if (rc != 0) {
    ADD_FAILURE() << "command failed (" << rc << "): " << command;
    return false;
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::vector<std::string> SqlColumn(const std::string& db_path,
                                   const std::string& sql) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(st, 0);
      out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

namespace {

// Ports handed out by this process, released when it exits.
std::vector<std::string>& ClaimedPorts() {
  static auto* claimed = new std::vector<std::string>;
  return *claimed;
}

void ReleaseClaimedPorts() {
  for (const std::string& path : ClaimedPorts()) unlink(path.c_str());
}

// Claims `port` among the test processes running at once (ctest -j): a
// claim file holding the claimer's pid, created exclusively; a claim of a
// process that has ended is taken over.
bool ClaimPort(int port) {
  const std::string dir = "/tmp/csx-test-ports";
  mkdir(dir.c_str(), 0777);
  const std::string path = dir + "/" + std::to_string(port);
  for (int tries = 0; tries < 2; ++tries) {
    const int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd >= 0) {
      const std::string pid = std::to_string(getpid());
      const bool written =
          write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
      close(fd);
      if (!written) return false;
      if (ClaimedPorts().empty()) std::atexit(ReleaseClaimedPorts);
      ClaimedPorts().push_back(path);
      return true;
    }
    const int owner = std::atoi(ReadFile(path).c_str());
    if (owner > 0 && (kill(owner, 0) == 0 || errno == EPERM)) return false;
    unlink(path.c_str());  // a stale claim
  }
  return false;
}

}  // namespace

int FreePort() {
  // Below the kernel's ephemeral range (32768-60999 by default), so that a
  // port handed out here is not given to a "host:0" listener started later
  // by the same test (a node's gRPC port) before the test binds it; and
  // claimed, so that two tests running at once never get the same one.
  static std::mt19937 rng(static_cast<unsigned>(getpid()) ^
                          static_cast<unsigned>(time(nullptr)));
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = 20000 + static_cast<int>(rng() % 12000);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free =
        bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free && ClaimPort(port)) return port;
  }
  ADD_FAILURE() << "no free port in 20000-31999";
  return 0;
}

// The value of the sample `name{labels}` in a Prometheus text page, or -1.
double MetricSample(const std::string& page, const std::string& series) {
  std::istringstream in(page);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

std::string BinDir() {
  const char* dir = std::getenv("CSX_BIN_DIR");
  return dir ? dir : ".";
}

TestCa::TestCa(std::string dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)) {
  cert_ = absl::StrCat(dir_, "/", name_, ".crt");
  key_ = absl::StrCat(dir_, "/", name_, ".key");
  Shell(absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ",
      "-keyout ", key_, " -out ", cert_, " -days 30 -subj '/CN=", name_,
      " test CA' -addext basicConstraints=critical,CA:TRUE ",
      "-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null"));
}

std::string TestCa::Issue(const std::string& name, const std::string& cn,
                          const std::string& san) {
  const std::string p = absl::StrCat(dir_, "/", name);
  std::string ext = absl::StrCat(p, ".ext");
  WriteFile(ext,
            absl::StrCat(
                "basicConstraints=CA:FALSE\n",
                "keyUsage=digitalSignature,keyEncipherment\n",
                "extendedKeyUsage=clientAuth,serverAuth\n",
                san.empty() ? "" : absl::StrCat("subjectAltName=", san, "\n")));
  Shell(absl::StrCat(
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ",
      "-keyout ", p, ".key -out ", p, ".csr -subj '/CN=", cn,
      "' 2>/dev/null && ", "openssl x509 -req -in ", p, ".csr -CA ", cert_,
      " -CAkey ", key_, " -CAcreateserial -out ", p, ".crt -days 30 -extfile ",
      ext, " 2>/dev/null"));
  return p;
}

std::string TestCa::Database() {
  const std::string db = absl::StrCat(dir_, "/", name_, ".db");
  const std::string cnf = db + "/ca.cnf";
  if (std::filesystem::exists(cnf)) return cnf;
  std::filesystem::create_directories(db);
  WriteFile(db + "/index.txt", "");
  WriteFile(db + "/serial", "1000\n");
  WriteFile(db + "/crlnumber", "1000\n");
  WriteFile(
      cnf, absl::StrCat("[ca]\ndefault_ca = c\n[c]\ndir = ", db,
                        "\ndatabase = ", db, "/index.txt\nnew_certs_dir = ", db,
                        "\nserial = ", db, "/serial\ncrlnumber = ", db,
                        "/crlnumber\ncertificate = ", cert_,
                        "\nprivate_key = ", key_,
                        "\ndefault_md = sha256\npolicy = p\n"
                        "unique_subject = no\ncopy_extensions = none\n"
                        "[p]\ncommonName = supplied\n"));
  return cnf;
}

std::string TestCa::IssueDated(const std::string& name, const std::string& cn,
                               const std::string& san, const std::string& start,
                               const std::string& end) {
  const std::string cnf = Database();
  const std::string p = absl::StrCat(dir_, "/", name);
  WriteFile(p + ".ext",
            absl::StrCat("basicConstraints=CA:FALSE\n",
                         "keyUsage=digitalSignature,keyEncipherment\n",
                         "extendedKeyUsage=clientAuth,serverAuth\n",
                         "subjectAltName=", san, "\n"));
  Shell(absl::StrCat(
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ",
      "-keyout ", p, ".key -out ", p, ".csr -subj '/CN=", cn,
      "' 2>/dev/null && openssl ca -batch -notext -config ", cnf, " -in ", p,
      ".csr -out ", p, ".crt -startdate ", start, " -enddate ", end,
      " -extfile ", p, ".ext 2>/dev/null"));
  return p;
}

void TestCa::Revoke(const std::string& prefix) {
  Shell(absl::StrCat("openssl ca -config ", Database(), " -revoke ", prefix,
                     ".crt 2>/dev/null"));
}

void TestCa::WriteCrl(const std::string& path) {
  Shell(absl::StrCat("openssl ca -config ", Database(),
                     " -gencrl -crldays 30 -out ", path, " 2>/dev/null"));
}

std::string TestCa::IssueServer(const std::string& name,
                                const std::string& cn) {
  return Issue(name, cn, "DNS:localhost,IP:127.0.0.1");
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& stdin_file) {
  CommandResult result;
  char out_tmpl[] = "/tmp/csx-out-XXXXXX";
  char err_tmpl[] = "/tmp/csx-err-XXXXXX";
  const int out_fd = mkstemp(out_tmpl);
  const int err_fd = mkstemp(err_tmpl);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawn_file_actions_addopen(
      &actions, 0, stdin_file.empty() ? "/dev/null" : stdin_file.c_str(),
      O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  DefaultSignals attr;
  if (posix_spawn(&pid, argv[0].c_str(), &actions, attr.get(), args.data(),
                  environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);
  result.out = ReadFile(out_tmpl);
  result.err = ReadFile(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return result;
}

BackgroundCommand::BackgroundCommand(const std::vector<std::string>& argv,
                                     std::string out_file,
                                     std::string err_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  DefaultSignals attr;
  if (posix_spawn(&pid_, argv[0].c_str(), &actions, attr.get(), args.data(),
                  environ) != 0) {
    pid_ = -1;
    ADD_FAILURE() << "cannot start " << argv[0];
  }
  posix_spawn_file_actions_destroy(&actions);
}

BackgroundCommand::~BackgroundCommand() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

void BackgroundCommand::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int BackgroundCommand::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

NodeProcess::NodeProcess(std::string dir, std::string config_yaml)
    : dir_(std::move(dir)) {
  WriteFile(config_path(), absl::StrReplaceAll(config_yaml, {{"{DIR}", dir_}}));
}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) Kill9();
}

bool NodeProcess::Start() {
  const std::string port_file = dir_ + "/port";
  std::filesystem::remove(port_file);
  const std::string bin = BinDir() + "/server/csxd";
  const std::string log = dir_ + "/csxd.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> argv = {bin, "--config", config_path(),
                                   "--port-file", port_file};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  DefaultSignals attr;
  const int rc = posix_spawn(&pid_, bin.c_str(), &actions, attr.get(),
                             args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    ADD_FAILURE() << "cannot start " << bin;
    return false;
  }
  ++starts_;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "csxd exited at start; log:\n" << this->log();
      return false;
    }
    if (std::filesystem::exists(port_file)) {
      port_ = std::stoi(ReadFile(port_file));
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "csxd did not start in time; log:\n" << this->log();
  Kill9();
  return false;
}

void NodeProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void NodeProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

bool NodeProcess::WaitForLog(const std::string& text) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int NodeProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string NodeProcess::log() const { return ReadFile(dir_ + "/csxd.log"); }

NodeFixture::NodeFixture() : ca(tmp.path(), "ca") {
  ca.IssueServer("node", "node.cl.csirt");
  analyst = ca.Issue("analyst", "alice", "URI:csx://cl.csirt/analyst/alice");
  reader = ca.Issue("reader", "bot", "URI:csx://cl.csirt/reader/bot");
  admin = ca.Issue("admin", "ops", "URI:csx://cl.csirt/admin/ops");
  partner_peer = ca.Issue("peer", "node.us.cisa", "DNS:node.us.cisa");
  unmapped =
      ca.Issue("unmapped", "mallory", "URI:csx://cl.csirt/intern/mallory");
  node = std::make_unique<NodeProcess>(tmp.path(), ConfigYaml());
}

std::string NodeFixture::PrincipalsYaml() {
  return R"(principals:
  - { match: { san_uri: "csx://cl.csirt/analyst/*" }, role: analyst }
  - { match: { san_uri: "csx://cl.csirt/reader/*" }, role: reader }
  - { match: { san_uri: "csx://cl.csirt/admin/*" }, role: admin }
  - { match: { cn: "node.us.cisa" }, org: us.cisa, role: peer }
)";
}

std::string NodeFixture::ConfigYaml() const {
  return absl::StrCat(R"(node: { org: cl.csirt, listen: "127.0.0.1:0" }
tls: { cert: node.crt, key: node.key, client_ca: ca.crt }
store: { sqlite: csx.db }
limits: { expiry_interval_seconds: 1 }
)",
                      PrincipalsYaml());
}

std::vector<std::string> CsxCommand(const std::string& address,
                                    const std::string& ca_cert,
                                    const std::string& identity,
                                    std::vector<std::string> args) {
  std::vector<std::string> argv = {BinDir() + "/client/csx",
                                   "--server",
                                   address,
                                   "--cert",
                                   identity + ".crt",
                                   "--key",
                                   identity + ".key",
                                   "--ca",
                                   ca_cert};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> NodeFixture::CsxArgv(const std::string& identity,
                                              std::vector<std::string> args) {
  return CsxCommand(node->address(), ca.cert(), identity, std::move(args));
}

CommandResult NodeFixture::Csx(const std::string& identity,
                               std::vector<std::string> args,
                               const std::string& stdin_file) {
  return RunCommand(CsxArgv(identity, std::move(args)), stdin_file);
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const std::string& ca_cert,
                                           const std::string& identity) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(ca_cert);
  if (!identity.empty()) {
    tls.pem_cert_chain = ReadFile(identity + ".crt");
    tls.pem_private_key = ReadFile(identity + ".key");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(tls), args);
}

std::shared_ptr<grpc::Channel> NodeFixture::Channel(
    const std::string& identity) {
  return MakeChannel(node->address(), ca.cert(), identity);
}

}  // namespace csx::testing
