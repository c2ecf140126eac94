// Settings: where csx connects and how it prints, resolved from command-line
// flags, then environment variables (CSX_SERVER, CSX_CERT, CSX_KEY, CSX_CA),
// then the config file (default ~/.config/csx/config.yaml), in that order.
#ifndef CSX_CLIENT_SETTINGS_H_
#define CSX_CLIENT_SETTINGS_H_

#include <string>

#include "absl/status/statusor.h"

namespace csx::cli {

struct Settings {
  std::string server;       // HOST:PORT
  std::string cert;         // client certificate (PEM file)
  std::string key;          // client private key (PEM file)
  std::string ca;           // CA that signed the server certificate
  std::string server_name;  // TLS name to expect, when not the host of `server`
  std::string output;       // table|json|jsonl|csv; empty = by terminal
  std::string config;       // config file path; empty = default
};

// Fills unset fields of `flags` from the environment and the config file.
// A config file named explicitly must exist; the default one is optional.
// InvalidArgument for an unreadable or malformed file (naming the key).
absl::StatusOr<Settings> ResolveSettings(Settings flags);

// Checks that the connection settings are complete; InvalidArgument naming
// the missing flag otherwise.
absl::Status CheckConnectionSettings(const Settings& s);

}  // namespace csx::cli

#endif  // CSX_CLIENT_SETTINGS_H_
