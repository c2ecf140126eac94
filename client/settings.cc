#include "client/settings.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace csx::cli {
namespace {

void FromEnv(std::string* field, const char* name) {
  if (!field->empty()) return;
  if (const char* v = std::getenv(name); v != nullptr && *v != '\0') *field = v;
}

}  // namespace

absl::StatusOr<Settings> ResolveSettings(Settings s) {
  FromEnv(&s.server, "CSX_SERVER");
  FromEnv(&s.cert, "CSX_CERT");
  FromEnv(&s.key, "CSX_KEY");
  FromEnv(&s.ca, "CSX_CA");
  FromEnv(&s.server_name, "CSX_SERVER_NAME");
  FromEnv(&s.output, "CSX_OUTPUT");
  std::string path = s.config;
  const bool explicit_path = !path.empty();
  if (!explicit_path) {
    const char* home = std::getenv("HOME");
    if (home == nullptr) return s;
    path = absl::StrCat(home, "/.config/csx/config.yaml");
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (explicit_path) {
      return absl::InvalidArgumentError(
          absl::StrCat("--config: cannot read '", path, "'"));
    }
    return s;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  if (root.IsNull()) return s;
  if (!root.IsMap())
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected a mapping"));
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", key, ": expected a value"));
    }
    std::string value = kv.second.Scalar();
    const bool is_file = key == "cert" || key == "key" || key == "ca";
    if (is_file && std::filesystem::path(value).is_relative())
      value = (dir / value).string();
    std::string* field = key == "server"        ? &s.server
                         : key == "cert"        ? &s.cert
                         : key == "key"         ? &s.key
                         : key == "ca"          ? &s.ca
                         : key == "server_name" ? &s.server_name
                         : key == "output"      ? &s.output
                                                : nullptr;
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", key, ": unknown key"));
    }
    if (field->empty()) *field = value;
  }
  return s;
}

absl::Status CheckConnectionSettings(const Settings& s) {
  if (s.server.empty())
    return absl::InvalidArgumentError("--server (or CSX_SERVER) is required");
  if (s.cert.empty())
    return absl::InvalidArgumentError("--cert (or CSX_CERT) is required");
  if (s.key.empty())
    return absl::InvalidArgumentError("--key (or CSX_KEY) is required");
  if (s.ca.empty())
    return absl::InvalidArgumentError("--ca (or CSX_CA) is required");
  return absl::OkStatus();
}

}  // namespace csx::cli
