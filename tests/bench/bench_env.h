// What csx-bench runs against: certificates made by deploy/make-certs.sh,
// real csxd processes on 127.0.0.1 with their SQLite files on disk, and
// mutual-TLS channels to them.
#ifndef CSX_TESTS_BENCH_BENCH_ENV_H_
#define CSX_TESTS_BENCH_BENCH_ENV_H_

#include <grpcpp/channel.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace csx::bench {

struct Paths {
  std::string source_dir;  // the repository (for deploy/make-certs.sh)
  std::string bin_dir;     // the build tree (server/csxd)
  std::string work_dir;    // where nodes keep their files
};

// Makes `dir`/ca.crt, node.crt, analyst.crt, reader.crt, admin.crt for `org`.
absl::Status MakeCerts(const Paths& paths, const std::string& dir,
                       const std::string& org);

// A file's whole content ("" when unreadable).
std::string ReadText(const std::string& path);
// Lets the machine settle between phases: waits for the nodes' background
// checkpoints (they run within a second of the last commit) and flushes
// every dirty page, so that one phase's write-back does not land in the
// next phase's measurement.
void Settle();
absl::Status WriteText(const std::string& path, const std::string& content);

class NodeProcess {
 public:
  // Writes `dir`/node.yaml and starts csxd on it; returns once it serves.
  static absl::StatusOr<std::unique_ptr<NodeProcess>> Start(
      const Paths& paths, const std::string& dir, const std::string& yaml);
  ~NodeProcess();  // SIGTERM, then waits

  int port() const { return port_; }
  std::string address() const;
  pid_t pid() const { return pid_; }
  // User + system CPU seconds the process has used so far.
  double CpuSeconds() const;
  // Bytes the process has caused to be written to storage so far
  // (/proc/<pid>/io write_bytes: its log and its checkpoints), and the
  // bytes it has read from storage (read_bytes: not from the page cache).
  uint64_t WrittenBytes() const;
  uint64_t ReadBytes() const;
  uint64_t RssBytes() const;      // VmRSS
  uint64_t PeakRssBytes() const;  // VmHWM
  uint64_t RssFileBytes() const;  // RssFile: mapped file pages (the store)
  // Bytes of the SQLite database and its WAL.
  uint64_t StoreBytes() const;
  // Copies the node's write-ahead log back into its database (as the node's
  // own checkpointer does, from a connection of the benchmark), so that a
  // phase does not measure the write-back of the bulk load before it; then
  // Settle(). Gives up after two minutes.
  absl::Status SettleStore() const;

 private:
  NodeProcess() = default;
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A mutual-TLS channel presenting `identity`.crt/.key and trusting `ca`.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const std::string& ca,
                                           const std::string& identity);

}  // namespace csx::bench

#endif  // CSX_TESTS_BENCH_BENCH_ENV_H_
