#include "tests/bench/bench_env.h"

#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/store/sqlite/sqlite_handle.h"

extern char** environ;

namespace csx::bench {

void Settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ::sync();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

absl::Status WriteText(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status MakeCerts(const Paths& paths, const std::string& dir,
                       const std::string& org) {
  const std::string cmd =
      absl::StrCat("bash '", paths.source_dir, "/deploy/make-certs.sh' '", dir,
                   "' '", org, "' >/dev/null");
  if (std::system(cmd.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("make-certs.sh failed for ", org));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<NodeProcess>> NodeProcess::Start(
    const Paths& paths, const std::string& dir, const std::string& yaml) {
  std::unique_ptr<NodeProcess> node(new NodeProcess());
  node->dir_ = dir;
  if (absl::Status s = WriteText(dir + "/node.yaml", yaml); !s.ok()) return s;
  const std::string port_file = dir + "/port";
  std::filesystem::remove(port_file);
  const std::string bin = paths.bin_dir + "/server/csxd";
  const std::string log = dir + "/csxd.log";
  std::vector<std::string> argv = {bin, "--config", dir + "/node.yaml",
                                   "--port-file", port_file};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int rc = posix_spawn(&node->pid_, bin.c_str(), &actions, nullptr,
                             args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::InternalError(absl::StrCat("cannot start ", bin));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(node->pid_, &status, WNOHANG) == node->pid_) {
      node->pid_ = -1;
      return absl::InternalError(
          absl::StrCat("csxd exited at start: ", ReadText(log)));
    }
    int port = 0;
    if (absl::SimpleAtoi(ReadText(port_file), &port) && port > 0) {
      node->port_ = port;
      return node;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError("csxd did not start within 60 s");
}

NodeProcess::~NodeProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

std::string NodeProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

double NodeProcess::CpuSeconds() const {
  const std::string stat = ReadText(absl::StrCat("/proc/", pid_, "/stat"));
  // Fields after the command name, which is in parentheses.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> f =
      absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
  double utime = 0, stime = 0;
  if (f.size() < 13 || !absl::SimpleAtod(f[11], &utime) ||
      !absl::SimpleAtod(f[12], &stime)) {
    return 0;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

namespace {

// A "name: value" field of /proc/<pid>/io; 0 when unreadable.
uint64_t IoField(pid_t pid, const std::string& name) {
  const std::string io = ReadText(absl::StrCat("/proc/", pid, "/io"));
  const std::string field = name + ": ";
  const size_t at = io.find(field);
  if (at == std::string::npos) return 0;
  const size_t start = at + field.size();
  uint64_t bytes = 0;
  if (!absl::SimpleAtoi(io.substr(start, io.find('\n', start) - start),
                        &bytes)) {
    return 0;
  }
  return bytes;
}

}  // namespace

uint64_t NodeProcess::WrittenBytes() const {
  return IoField(pid_, "write_bytes");
}

uint64_t NodeProcess::ReadBytes() const { return IoField(pid_, "read_bytes"); }

namespace {

uint64_t StatusKb(pid_t pid, const std::string& key) {
  std::istringstream in(ReadText(absl::StrCat("/proc/", pid, "/status")));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    uint64_t kb = 0;
    std::vector<std::string> parts = absl::StrSplit(
        line.substr(key.size() + 1), absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (!parts.empty() && absl::SimpleAtoi(parts[0], &kb)) return kb;
  }
  return 0;
}

}  // namespace

uint64_t NodeProcess::RssBytes() const { return StatusKb(pid_, "VmRSS") << 10; }
uint64_t NodeProcess::PeakRssBytes() const {
  return StatusKb(pid_, "VmHWM") << 10;
}

uint64_t NodeProcess::RssFileBytes() const {
  return StatusKb(pid_, "RssFile") << 10;
}

uint64_t NodeProcess::StoreBytes() const {
  uint64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(dir_ + "/csx.db" + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

absl::Status NodeProcess::SettleStore() const {
  auto db = OpenSqlite(dir_ + "/csx.db", /*read_only=*/false);
  if (!db.ok()) return db.status();
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < give_up) {
    int log = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(
        db->get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc == SQLITE_OK && copied >= log) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Settle();
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const std::string& ca,
                                           const std::string& identity) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadText(ca);
  options.pem_cert_chain = ReadText(identity + ".crt");
  options.pem_private_key = ReadText(identity + ".key");
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetMaxReceiveMessageSize(64 << 20);
  // Separate channels must not share one TCP connection.
  args.SetInt("grpc.use_local_subchannel_pool", 1);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options),
                                   args);
}

}  // namespace csx::bench
