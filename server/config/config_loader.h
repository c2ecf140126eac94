// Loading and validation of the node configuration (node.yaml).
//
// The YAML document is mapped onto the NodeConfig proto (proto/csx/v1/
// config.proto) field by field; an unknown key or a value of the wrong kind is
// refused with the path of the key ("agreements[1].share.max_tlp: ...").
// ValidateConfig() then checks meaning (required keys, formats, files,
// agreements) so that csxd --check-config catches every error the daemon
// would. Pure functions apart from reading files; thread-safe.
#ifndef CSX_SERVER_CONFIG_CONFIG_LOADER_H_
#define CSX_SERVER_CONFIG_CONFIG_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csx/v1/config.pb.h"

namespace csx {

// Parses YAML text into a NodeConfig. InvalidArgument naming the key.
absl::StatusOr<v1::NodeConfig> ParseConfigYaml(absl::string_view yaml);

// Reads and parses `path`; relative file names in tls and store are resolved
// against the directory of `path`. Does not validate.
absl::StatusOr<v1::NodeConfig> LoadConfigFile(const std::string& path);

// Checks every key; InvalidArgument naming the first bad one. Files named in
// `tls` must exist and be readable.
absl::Status ValidateConfig(const v1::NodeConfig& config);

// LoadConfigFile() followed by ValidateConfig().
absl::StatusOr<v1::NodeConfig> LoadAndValidateConfig(const std::string& path);

}  // namespace csx

#endif  // CSX_SERVER_CONFIG_CONFIG_LOADER_H_
