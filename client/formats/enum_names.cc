#include "client/formats/enum_names.h"

#include "absl/strings/str_cat.h"

namespace csx::formats {

std::string TypeToString(v1::IndicatorType type) {
  switch (type) {
    case v1::TYPE_UNSPECIFIED:
      return "";
    case v1::IPV4:
      return "ipv4";
    case v1::IPV6:
      return "ipv6";
    case v1::CIDR:
      return "cidr";
    case v1::DOMAIN:
      return "domain";
    case v1::URL:
      return "url";
    case v1::EMAIL:
      return "email";
    case v1::MD5:
      return "md5";
    case v1::SHA1:
      return "sha1";
    case v1::SHA256:
      return "sha256";
    case v1::SHA512:
      return "sha512";
    case v1::CVE:
      return "cve";
    case v1::ASN:
      return "asn";
    default:
      return absl::StrCat(static_cast<int>(type));
  }
}

std::string TlpToString(v1::Tlp tlp) {
  switch (tlp) {
    case v1::TLP_UNSPECIFIED:
      return "";
    case v1::TLP_CLEAR:
      return "CLEAR";
    case v1::TLP_GREEN:
      return "GREEN";
    case v1::TLP_AMBER:
      return "AMBER";
    case v1::TLP_AMBER_STRICT:
      return "AMBER+STRICT";
    case v1::TLP_RED:
      return "RED";
    default:
      return absl::StrCat(static_cast<int>(tlp));
  }
}

std::string SeverityToString(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_UNSPECIFIED:
      return "";
    case v1::SEVERITY_INFO:
      return "info";
    case v1::SEVERITY_LOW:
      return "low";
    case v1::SEVERITY_MEDIUM:
      return "medium";
    case v1::SEVERITY_HIGH:
      return "high";
    case v1::SEVERITY_CRITICAL:
      return "critical";
    default:
      return absl::StrCat(static_cast<int>(severity));
  }
}

std::string ChangeOpToString(v1::ChangeOp op) {
  switch (op) {
    case v1::OP_UNSPECIFIED:
      return "";
    case v1::OP_UPSERT:
      return "upsert";
    case v1::OP_REVOKE:
      return "revoke";
    case v1::OP_EXPIRE:
      return "expire";
    case v1::OP_SIGHTING:
      return "sighting";
    default:
      return absl::StrCat(static_cast<int>(op));
  }
}

}  // namespace csx::formats
