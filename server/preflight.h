// What `csxd --check-config` verifies beyond the keys (ValidateConfig): the
// files the daemon will load. An error for what would stop the daemon or
// leave it unreachable; warnings for what it would run with but an operator
// should fix.
#ifndef CSX_SERVER_PREFLIGHT_H_
#define CSX_SERVER_PREFLIGHT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csx/v1/config.pb.h"

namespace csx {

// The TLS files parse, the key matches the certificate, the certificate is
// valid at `now`, the CRL parses, and the store opens, passes its integrity
// check and has a schema this build reads (a new store: its directory is
// writable). Returns the warnings (ConfigWarnings among them).
absl::StatusOr<std::vector<std::string>> Preflight(const v1::NodeConfig& config,
                                                   absl::Time now);

// Warnings that need no I/O beyond the TLS files: a node certificate that
// expires within 14 days, principals rules that any of several trusted CAs
// can satisfy.
std::vector<std::string> ConfigWarnings(const v1::NodeConfig& config,
                                        absl::Time now);

}  // namespace csx

#endif  // CSX_SERVER_PREFLIGHT_H_
