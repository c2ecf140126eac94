// Test environment for integration tests: real certificates made with the
// openssl command in a temp dir, real csxd processes on 127.0.0.1 with a real
// SQLite file, the real csx binary, and gRPC clients with chosen identities.
#ifndef CSX_TESTS_INTEGRATION_TEST_ENV_H_
#define CSX_TESTS_INTEGRATION_TEST_ENV_H_

#include <grpcpp/channel.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "csx/v1/service.grpc.pb.h"

namespace csx::testing {

// A fresh temporary directory, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a shell command; fails the test (ADD_FAILURE) and returns false when it
// exits non-zero.
bool Shell(const std::string& command);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
// The first column of each row `sql` returns from the SQLite file at
// `db_path`, as text (opened read-only; the node may be running).
std::vector<std::string> SqlColumn(const std::string& db_path,
                                   const std::string& sql);
// A mutual-TLS channel to `address` trusting `ca_cert`, presenting
// `identity`.crt/.key (none when `identity` is empty).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const std::string& ca_cert,
                                           const std::string& identity);

// The argv of csx against the node at `address`, as `identity` (path prefix
// of .crt/.key), trusting `ca_cert`, followed by `args`.
std::vector<std::string> CsxCommand(const std::string& address,
                                    const std::string& ca_cert,
                                    const std::string& identity,
                                    std::vector<std::string> args);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// The value of the sample `name{labels}` in a Prometheus text page, or -1.
double MetricSample(const std::string& page, const std::string& series);
// Directory of the build tree (CSX_BIN_DIR).
std::string BinDir();

// A certificate authority under `dir`: ca.crt/ca.key, and leaf certificates
// signed by it, all ECDSA P-256.
class TestCa {
 public:
  TestCa(std::string dir, std::string name);
  const std::string& cert() const { return cert_; }
  // Issues NAME.crt/NAME.key with the given subjectAltName extension value
  // (e.g. "URI:csx://cl.csirt/analyst/alice") and CN. Returns the path prefix.
  std::string Issue(const std::string& name, const std::string& cn,
                    const std::string& san);
  // A node (server) certificate for localhost and 127.0.0.1.
  std::string IssueServer(const std::string& name, const std::string& cn);
  // Like Issue(), valid from `start` to `end` (openssl times,
  // "20360101000000Z").
  std::string IssueDated(const std::string& name, const std::string& cn,
                         const std::string& san, const std::string& start,
                         const std::string& end);
  // Adds the certificate at `prefix`.crt to the revoked list.
  void Revoke(const std::string& prefix);
  // Writes a CRL of the revoked list to `path`, PEM.
  void WriteCrl(const std::string& path);

 private:
  // The openssl ca database (IssueDated, Revoke, WriteCrl); made on first
  // use. Returns its config file.
  std::string Database();
  std::string dir_, name_, cert_, key_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `argv` (argv[0] is a path) with an optional stdin file; captures
// stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& stdin_file = "");

// A command running in the background with stdout and stderr to files.
class BackgroundCommand {
 public:
  BackgroundCommand(const std::vector<std::string>& argv, std::string out_file,
                    std::string err_file);
  ~BackgroundCommand();
  void Signal(int sig);
  // Waits for the exit; returns the exit code (128+signal when killed).
  int Wait();

 private:
  pid_t pid_ = -1;
};

// One csxd process and its files.
class NodeProcess {
 public:
  // Writes `dir`/node.yaml from `config_yaml` (which may use {DIR}) and
  // prepares the process; Start() launches it.
  NodeProcess(std::string dir, std::string config_yaml);
  ~NodeProcess();

  // Starts csxd and waits until it serves (port file written). False on
  // failure, with the log in the test output.
  bool Start();
  void Kill9();
  void Signal(int sig);
  // Waits up to 10 s for `text` to appear in the log.
  bool WaitForLog(const std::string& text);
  // SIGTERM and wait; returns the exit status (or -1).
  int Terminate();
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string db_path() const { return dir_ + "/csx.db"; }
  std::string config_path() const { return dir_ + "/node.yaml"; }
  std::string log() const;
  // Extra csxd flags for the next Start() (e.g. {"--log-format", "json"}).
  void set_extra_args(std::vector<std::string> args) {
    extra_args_ = std::move(args);
  }

 private:
  std::string dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int port_ = 0;
  int starts_ = 0;
};

// A standard single-node fixture: CA, node cert, analyst/reader/admin/peer
// client certs, a node of org cl.csirt.
class NodeFixture {
 public:
  NodeFixture();
  TempDir tmp;
  TestCa ca;
  std::unique_ptr<NodeProcess> node;
  // Client identities: path prefixes of .crt/.key.
  std::string analyst, reader, admin, partner_peer, unmapped;

  // Principal rules of the node config, as YAML lines.
  static std::string PrincipalsYaml();
  std::string ConfigYaml() const;

  // Runs csx against the node as `identity` with the given arguments.
  CommandResult Csx(const std::string& identity, std::vector<std::string> args,
                    const std::string& stdin_file = "");
  // The argv of csx with the connection flags of `identity`.
  std::vector<std::string> CsxArgv(const std::string& identity,
                                   std::vector<std::string> args);

  template <typename Service>
  std::unique_ptr<typename Service::Stub> Stub(const std::string& identity) {
    return Service::NewStub(Channel(identity));
  }
  std::shared_ptr<grpc::Channel> Channel(const std::string& identity);
};

}  // namespace csx::testing

#endif  // CSX_TESTS_INTEGRATION_TEST_ENV_H_
