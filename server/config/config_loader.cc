#include "server/config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/canonical.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/tlp.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "server/core/principal_mapper.h"
#include "server/core/warninglists.h"

namespace csx {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::Status Bad(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

std::string Join(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

// Sets one scalar (or appends to a repeated scalar) from a YAML scalar.
absl::Status SetScalar(Message* msg, const FieldDescriptor* f,
                       const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) return Bad(path, "expected a single value");
  const std::string text = node.Scalar();
  const auto* refl = msg->GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      rep ? refl->AddString(msg, f, text) : refl->SetString(msg, f, text);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL: {
      const std::string l = absl::AsciiStrToLower(text);
      bool v;
      if (l == "true" || l == "yes" || l == "on") {
        v = true;
      } else if (l == "false" || l == "no" || l == "off") {
        v = false;
      } else {
        return Bad(path,
                   absl::StrCat("expected true or false, got '", text, "'"));
      }
      rep ? refl->AddBool(msg, f, v) : refl->SetBool(msg, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(text, &v)) {
        return Bad(path, absl::StrCat("expected a non-negative integer, got '",
                                      text, "'"));
      }
      rep ? refl->AddUInt32(msg, f, v) : refl->SetUInt32(msg, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) {
        return Bad(path, absl::StrCat("expected an integer, got '", text, "'"));
      }
      rep ? refl->AddInt32(msg, f, v) : refl->SetInt32(msg, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
        return Bad(path, absl::StrCat("expected a number, got '", text, "'"));
      }
      rep ? refl->AddDouble(msg, f, v) : refl->SetDouble(msg, f, v);
      return absl::OkStatus();
    }
    default:
      return Bad(path, "unsupported field kind");
  }
}

absl::Status FillMessage(Message* msg, const YAML::Node& node,
                         const std::string& path);

absl::Status FillField(Message* msg, const FieldDescriptor* f,
                       const YAML::Node& node, const std::string& path) {
  const auto* refl = msg->GetReflection();
  if (node.IsNull()) return absl::OkStatus();  // "key:" with no value: default
  if (f->is_repeated()) {
    if (!node.IsSequence()) return Bad(path, "expected a list");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = absl::StrCat(path, "[", i, "]");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CSX_RETURN_IF_ERROR(
            FillMessage(refl->AddMessage(msg, f), node[i], item_path));
      } else {
        CSX_RETURN_IF_ERROR(SetScalar(msg, f, node[i], item_path));
      }
    }
    return absl::OkStatus();
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return FillMessage(refl->MutableMessage(msg, f), node, path);
  }
  return SetScalar(msg, f, node, path);
}

absl::Status FillMessage(Message* msg, const YAML::Node& node,
                         const std::string& path) {
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap())
    return Bad(path.empty() ? "config" : path, "expected a mapping of keys");
  const auto* desc = msg->GetDescriptor();
  std::map<std::string, bool> seen;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string key_path = Join(path, key);
    const FieldDescriptor* f = desc->FindFieldByName(key);
    if (f == nullptr) return Bad(key_path, "unknown key");
    if (seen[key]) return Bad(key_path, "key given twice");
    seen[key] = true;
    CSX_RETURN_IF_ERROR(FillField(msg, f, kv.second, key_path));
  }
  return absl::OkStatus();
}

bool ValidOrgId(absl::string_view org) {
  if (org.empty() || org.size() > 64) return false;
  for (char c : org) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' ||
          c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

absl::Status CheckHostPort(const std::string& path, absl::string_view value,
                           bool required) {
  if (value.empty()) return required ? Bad(path, "required") : absl::OkStatus();
  size_t colon = value.rfind(':');
  uint32_t port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port > 65535) {
    return Bad(path, absl::StrCat("expected HOST:PORT, got '", value, "'"));
  }
  return absl::OkStatus();
}

absl::Status CheckReadable(const std::string& path, const std::string& file,
                           bool required) {
  if (file.empty()) return required ? Bad(path, "required") : absl::OkStatus();
  std::ifstream in(file);
  if (!in) return Bad(path, absl::StrCat("cannot read '", file, "'"));
  return absl::OkStatus();
}

absl::Status CheckTypes(
    const std::string& path,
    const google::protobuf::RepeatedPtrField<std::string>& types) {
  for (int i = 0; i < types.size(); ++i) {
    auto t = ParseIndicatorType(types[i]);
    if (!t.ok())
      return Bad(absl::StrCat(path, "[", i, "]"), t.status().message());
  }
  return absl::OkStatus();
}

absl::Status CheckTlp(const std::string& path, const std::string& value) {
  if (value.empty()) return absl::OkStatus();
  auto t = ParseTlp(value);
  if (!t.ok()) return Bad(path, t.status().message());
  return absl::OkStatus();
}

absl::Status ValidateAgreements(const v1::NodeConfig& c) {
  struct Window {
    absl::Time from, until;
    std::string id;
  };
  std::map<std::string, std::vector<Window>> by_partner;
  std::map<std::string, bool> ids;
  for (int i = 0; i < c.agreements_size(); ++i) {
    const auto& a = c.agreements(i);
    const std::string p = absl::StrCat("agreements[", i, "]");
    if (a.id().empty()) return Bad(p + ".id", "required");
    if (ids[a.id()])
      return Bad(p + ".id",
                 absl::StrCat("duplicate agreement id '", a.id(), "'"));
    ids[a.id()] = true;
    if (!ValidOrgId(a.partner()))
      return Bad(p + ".partner", "required: a partner org id");
    if (a.partner() == c.node().org())
      return Bad(p + ".partner", "is this node's own org");
    Window w{absl::InfinitePast(), absl::InfiniteFuture(), a.id()};
    if (a.effective_from().empty())
      return Bad(p + ".effective_from", "required");
    auto from = ParseTime(a.effective_from());
    if (!from.ok()) return Bad(p + ".effective_from", from.status().message());
    w.from = *from;
    if (!a.expires().empty()) {
      auto until = ParseTime(a.expires());
      if (!until.ok()) return Bad(p + ".expires", until.status().message());
      if (*until <= *from)
        return Bad(p + ".expires", "must be after effective_from");
      w.until = *until;
    }
    CSX_RETURN_IF_ERROR(CheckTlp(p + ".share.max_tlp", a.share().max_tlp()));
    CSX_RETURN_IF_ERROR(CheckTypes(p + ".share.types", a.share().types()));
    if (a.share().min_confidence() > 100) {
      return Bad(p + ".share.min_confidence", "must be within 0..100");
    }
    if (!a.share().max_age().empty()) {
      auto d = ParseDuration(a.share().max_age());
      if (!d.ok()) return Bad(p + ".share.max_age", d.status().message());
    }
    CSX_RETURN_IF_ERROR(CheckTlp(p + ".accept.max_tlp", a.accept().max_tlp()));
    CSX_RETURN_IF_ERROR(CheckTypes(p + ".accept.types", a.accept().types()));
    for (const Window& other : by_partner[a.partner()]) {
      if (w.from < other.until && other.from < w.until) {
        return Bad(
            p, absl::StrCat("partner ", a.partner(), " already has agreement '",
                            other.id, "' in force at the same time"));
      }
    }
    by_partner[a.partner()].push_back(w);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::NodeConfig> ParseConfigYaml(absl::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: YAML syntax error at line ", e.mark.line + 1, ": ", e.msg));
  }
  v1::NodeConfig config;
  try {
    CSX_RETURN_IF_ERROR(FillMessage(&config, root, ""));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", e.msg));
  }
  return config;
}

absl::StatusOr<v1::NodeConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return absl::NotFoundError(
        absl::StrCat("config: cannot read '", path, "'"));
  std::stringstream buf;
  buf << in.rdbuf();
  CSX_ASSIGN_OR_RETURN(v1::NodeConfig config, ParseConfigYaml(buf.str()));
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  auto resolve = [&dir](std::string* file) {
    if (!file->empty() && std::filesystem::path(*file).is_relative()) {
      *file = (dir / *file).lexically_normal().string();
    }
  };
  resolve(config.mutable_tls()->mutable_cert());
  resolve(config.mutable_tls()->mutable_key());
  resolve(config.mutable_tls()->mutable_client_ca());
  resolve(config.mutable_tls()->mutable_crl());
  resolve(config.mutable_store()->mutable_sqlite());
  for (auto& f : *config.mutable_warninglists()->mutable_files()) resolve(&f);
  for (auto& p : *config.mutable_principals()) resolve(p.mutable_issuer_ca());
  return config;
}

absl::Status ValidateConfig(const v1::NodeConfig& c) {
  if (!c.has_node()) return Bad("node", "required");
  if (!ValidOrgId(c.node().org())) {
    return Bad("node.org",
               "required: an org id of lower-case letters, digits, '.', '-'");
  }
  CSX_RETURN_IF_ERROR(CheckHostPort("node.listen", c.node().listen(), true));
  CSX_RETURN_IF_ERROR(
      CheckHostPort("node.taxii_listen", c.node().taxii_listen(), false));
  CSX_RETURN_IF_ERROR(
      CheckHostPort("node.metrics_listen", c.node().metrics_listen(), false));
  if (!c.has_tls())
    return Bad("tls", "required: the node serves mutual TLS only");
  CSX_RETURN_IF_ERROR(CheckReadable("tls.cert", c.tls().cert(), true));
  CSX_RETURN_IF_ERROR(CheckReadable("tls.key", c.tls().key(), true));
  CSX_RETURN_IF_ERROR(
      CheckReadable("tls.client_ca", c.tls().client_ca(), true));
  CSX_RETURN_IF_ERROR(CheckReadable("tls.crl", c.tls().crl(), false));
  const bool sqlite = !c.store().sqlite().empty(),
             pg = !c.store().postgres().empty();
  if (sqlite == pg)
    return Bad("store", "exactly one of sqlite or postgres is required");
  if (pg)
    return Bad("store.postgres", "this build supports the sqlite store only");
  auto mapper = PrincipalMapper::Create(c.node().org(), c.principals());
  if (!mapper.ok()) return mapper.status();
  for (int i = 0; i < c.principals_size(); ++i) {
    const auto& org = c.principals(i).org();
    if (!org.empty() && !ValidOrgId(org)) {
      return Bad(absl::StrCat("principals[", i, "].org"), "not a valid org id");
    }
  }
  for (int i = 0; i < c.peers_size(); ++i) {
    const std::string p = absl::StrCat("peers[", i, "]");
    if (!ValidOrgId(c.peers(i).org()))
      return Bad(p + ".org", "required: a partner org id");
    CSX_RETURN_IF_ERROR(
        CheckHostPort(p + ".address", c.peers(i).address(), true));
  }
  CSX_RETURN_IF_ERROR(ValidateAgreements(c));
  auto lists = Warninglists::Create(c.warninglists());
  if (!lists.ok()) return lists.status();
  const auto& l = c.limits();
  if (l.max_message_bytes() != 0 && l.max_message_bytes() < 4096) {
    return Bad("limits.max_message_bytes", "at least 4096");
  }
  if (l.max_batch_items() > 100000)
    return Bad("limits.max_batch_items", "at most 100000");
  if (l.max_concurrent_streams() > 10000)
    return Bad("limits.max_concurrent_streams", "at most 10000");
  for (const auto& [name, seconds] :
       {std::pair<const char*, uint32_t>{"handshake_timeout_seconds",
                                         l.handshake_timeout_seconds()},
        {"keepalive_seconds", l.keepalive_seconds()},
        {"keepalive_timeout_seconds", l.keepalive_timeout_seconds()},
        {"min_client_ping_seconds", l.min_client_ping_seconds()},
        {"max_connection_idle_seconds", l.max_connection_idle_seconds()},
        {"max_connection_age_seconds", l.max_connection_age_seconds()},
        {"max_connection_age_grace_seconds",
         l.max_connection_age_grace_seconds()}}) {
    // Milliseconds in a 32-bit gRPC argument: about 24 days at most.
    if (seconds > 2000000) {
      return Bad(absl::StrCat("limits.", name), "at most 2000000 seconds");
    }
  }
  if (l.peer_heartbeat_seconds() > 3600) {
    return Bad("limits.peer_heartbeat_seconds", "at most 3600");
  }
  for (const auto& [name, rate] : {std::pair<const char*, const v1::RateLimit*>{
                                       "submit_rate", &l.submit_rate()},
                                   {"query_rate", &l.query_rate()}}) {
    if (rate->per_second() < 0 || !(rate->per_second() < 1e12)) {
      return Bad(absl::StrCat("limits.", name, ".per_second"),
                 "a number from 0 (unlimited) up");
    }
    if (rate->burst() < 0 || !(rate->burst() < 1e12)) {
      return Bad(absl::StrCat("limits.", name, ".burst"), "at least 0");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::NodeConfig> LoadAndValidateConfig(const std::string& path) {
  CSX_ASSIGN_OR_RETURN(v1::NodeConfig config, LoadConfigFile(path));
  CSX_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

}  // namespace csx
