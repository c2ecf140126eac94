#include "common/canonical.h"

#include <idn2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ip_address.h"

namespace csx {
namespace {

constexpr size_t kMaxUrl = 8192;

struct TypeName {
  v1::IndicatorType type;
  absl::string_view name;
};
constexpr TypeName kTypes[] = {
    {v1::IPV4, "ipv4"},     {v1::IPV6, "ipv6"}, {v1::CIDR, "cidr"},
    {v1::DOMAIN, "domain"}, {v1::URL, "url"},   {v1::EMAIL, "email"},
    {v1::MD5, "md5"},       {v1::SHA1, "sha1"}, {v1::SHA256, "sha256"},
    {v1::SHA512, "sha512"}, {v1::CVE, "cve"},   {v1::ASN, "asn"},
};

absl::Status Invalid(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("value: ", reason));
}

bool HasControlOrSpace(absl::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

absl::StatusOr<std::string> CanonicalHash(absl::string_view v, size_t len,
                                          absl::string_view name) {
  if (v.size() != len) {
    return Invalid(absl::StrCat(name, " must be ", len, " hex digits, got ",
                                v.size(), " characters"));
  }
  for (char c : v) {
    if (!absl::ascii_isxdigit(c)) {
      return Invalid(absl::StrCat(name, " has a non-hex character '",
                                  std::string(1, c), "'"));
    }
  }
  return absl::AsciiStrToLower(v);
}

absl::StatusOr<std::string> CanonicalCve(absl::string_view v) {
  std::string up = absl::AsciiStrToUpper(v);
  std::vector<absl::string_view> parts = absl::StrSplit(up, '-');
  auto digits = [](absl::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
  };
  if (parts.size() != 3 || parts[0] != "CVE" || parts[1].size() != 4 ||
      !digits(parts[1]) || !digits(parts[2]) || parts[2].size() < 4 ||
      parts[2].size() > 19) {
    return Invalid(absl::StrCat("'", v, "' is not a CVE id (CVE-YYYY-NNNN)"));
  }
  int year = 0;
  if (!absl::SimpleAtoi(parts[1], &year) || year < 1999 || year > 2100)
    return Invalid(absl::StrCat("CVE year ", year, " out of range"));
  return up;
}

absl::StatusOr<std::string> CanonicalAsn(absl::string_view v) {
  std::string s = absl::AsciiStrToUpper(v);
  absl::string_view body = s;
  if (absl::StartsWith(body, "AS")) body.remove_prefix(2);
  uint64_t n = 0;
  auto all_digits = [](absl::string_view t) {
    return !t.empty() && t.size() <= 10 &&
           std::all_of(t.begin(), t.end(), absl::ascii_isdigit);
  };
  const size_t dot = body.find('.');
  if (dot != absl::string_view::npos) {  // asdot notation "1.10"
    uint64_t hi = 0, lo = 0;
    if (!all_digits(body.substr(0, dot)) || !all_digits(body.substr(dot + 1)) ||
        !absl::SimpleAtoi(body.substr(0, dot), &hi) ||
        !absl::SimpleAtoi(body.substr(dot + 1), &lo) || hi > 65535 ||
        lo > 65535) {
      return Invalid(absl::StrCat("'", v, "' is not an AS number"));
    }
    n = hi * 65536 + lo;
  } else if (!all_digits(body) || !absl::SimpleAtoi(body, &n)) {
    return Invalid(absl::StrCat("'", v, "' is not an AS number"));
  }
  if (n == 0 || n > 4294967295ULL)
    return Invalid(absl::StrCat("AS number ", n, " out of range"));
  return absl::StrCat(n);
}

absl::StatusOr<std::string> CanonicalEmail(absl::string_view v) {
  const size_t at = v.rfind('@');
  if (at == absl::string_view::npos)
    return Invalid(absl::StrCat("'", v, "' has no '@'"));
  absl::string_view local = v.substr(0, at);
  if (local.empty() || local.size() > 64)
    return Invalid("email local part must be 1..64 bytes");
  if (HasControlOrSpace(local) || local.find('@') != absl::string_view::npos) {
    return Invalid("email local part has a space, control character or '@'");
  }
  auto domain = CanonicalDomain(v.substr(at + 1));
  if (!domain.ok())
    return Invalid(absl::StrCat("email domain: ", domain.status().message()));
  return absl::StrCat(local, "@", *domain);
}

absl::StatusOr<std::string> CanonicalUrl(absl::string_view v) {
  if (v.size() > kMaxUrl)
    return Invalid(absl::StrCat("URL longer than ", kMaxUrl, " bytes"));
  if (HasControlOrSpace(v))
    return Invalid("URL has a space or control character");
  const size_t sep = v.find("://");
  if (sep == absl::string_view::npos || sep == 0) {
    return Invalid(
        absl::StrCat("'", v, "' is not an absolute URL (scheme://host/...)"));
  }
  std::string scheme = absl::AsciiStrToLower(v.substr(0, sep));
  if (!absl::ascii_isalpha(scheme[0]) ||
      !std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '+' || c == '.' || c == '-';
      })) {
    return Invalid(absl::StrCat("invalid URL scheme '", scheme, "'"));
  }
  absl::string_view rest = v.substr(sep + 3);
  const size_t end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, end);
  absl::string_view tail =
      end == absl::string_view::npos ? "" : rest.substr(end);
  const size_t hash = tail.find('#');
  if (hash != absl::string_view::npos) tail = tail.substr(0, hash);
  std::string userinfo;
  const size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) {
    userinfo = std::string(authority.substr(0, at + 1));
    authority = authority.substr(at + 1);
  }
  absl::string_view host = authority, port;
  std::string canon_host;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos)
      return Invalid("URL has an unclosed '[' in its host");
    auto ip = ParseIpAddress(authority.substr(1, close - 1));
    if (!ip.ok() || !ip->v6)
      return Invalid("URL host is not a valid IPv6 address");
    canon_host = absl::StrCat("[", FormatIpAddress(*ip), "]");
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Invalid("URL has text after its IPv6 host");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    if (colon != absl::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) return Invalid("URL has no host");
    auto ip = ParseIpAddress(host);
    if (ip.ok() && !ip->v6) {
      canon_host = FormatIpAddress(*ip);
    } else {
      auto d = CanonicalDomain(host);
      if (!d.ok())
        return Invalid(absl::StrCat("URL host: ", d.status().message()));
      canon_host = *d;
    }
  }
  std::string canon_port;
  if (!port.empty()) {
    uint32_t p = 0;
    if (!std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
        !absl::SimpleAtoi(port, &p) || p == 0 || p > 65535) {
      return Invalid(absl::StrCat("invalid URL port '", port, "'"));
    }
    const bool default_port = (scheme == "http" && p == 80) ||
                              (scheme == "https" && p == 443) ||
                              (scheme == "ftp" && p == 21);
    if (!default_port) canon_port = absl::StrCat(":", p);
  }
  std::string path(tail);
  if (path.empty() || path[0] != '/') path = "/" + path;
  return absl::StrCat(scheme, "://", userinfo, canon_host, canon_port, path);
}

}  // namespace

absl::StatusOr<v1::IndicatorType> ParseIndicatorType(absl::string_view name) {
  const std::string lower =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  for (const auto& t : kTypes) {
    if (lower == t.name) return t.type;
  }
  std::vector<std::string> names;
  for (const auto& t : kTypes) names.emplace_back(t.name);
  return absl::InvalidArgumentError(
      absl::StrCat("type: unknown type '", name, "' (expected one of ",
                   absl::StrJoin(names, ", "), ")"));
}

absl::string_view IndicatorTypeName(v1::IndicatorType type) {
  for (const auto& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "";
}

absl::StatusOr<std::string> CanonicalDomain(absl::string_view host) {
  std::string d(host);
  if (!d.empty() && d.back() == '.') d.pop_back();
  if (d.empty()) return absl::InvalidArgumentError("empty domain name");
  const bool ascii = std::all_of(d.begin(), d.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  if (!ascii) {
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(d.c_str(), &out,
                                    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    std::unique_ptr<char, decltype(&idn2_free)> owned(out, &idn2_free);
    if (rc != IDN2_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid internationalised domain name '", host,
                       "': ", idn2_strerror(rc)));
    }
    d = out;
  }
  d = absl::AsciiStrToLower(d);
  if (d.size() > 253)
    return absl::InvalidArgumentError("domain name longer than 253 characters");
  std::vector<absl::string_view> labels = absl::StrSplit(d, '.');
  if (labels.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", host, "' has a single label"));
  }
  for (absl::string_view l : labels) {
    if (l.empty())
      return absl::InvalidArgumentError("domain name has an empty label");
    if (l.size() > 63) {
      return absl::InvalidArgumentError(
          "domain label longer than 63 characters");
    }
    for (char c : l) {
      if (!(absl::ascii_isalnum(c) || c == '-' || c == '_')) {
        return absl::InvalidArgumentError(
            absl::StrCat("domain label '", l, "' has an invalid character"));
      }
    }
    if (l.front() == '-' || l.back() == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("domain label '", l, "' starts or ends with '-'"));
    }
  }
  const absl::string_view tld = labels.back();
  if (std::all_of(tld.begin(), tld.end(), absl::ascii_isdigit)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", host, "' has a numeric top-level label"));
  }
  return d;
}

absl::StatusOr<std::string> Canonicalize(v1::IndicatorType type,
                                         absl::string_view raw) {
  const absl::string_view v = absl::StripAsciiWhitespace(raw);
  if (v.empty()) return Invalid("empty");
  switch (type) {
    case v1::IPV4:
    case v1::IPV6: {
      auto ip = ParseIpAddress(v);
      const bool want_v6 = type == v1::IPV6;
      if (!ip.ok() || ip->v6 != want_v6) {
        return Invalid(absl::StrCat("invalid ", want_v6 ? "ipv6" : "ipv4",
                                    " address '", v, "'"));
      }
      return FormatIpAddress(*ip);
    }
    case v1::CIDR: {
      auto p = ParseIpPrefix(v);
      if (!p.ok())
        return Invalid(absl::StrCat("invalid cidr: ", p.status().message()));
      return absl::StrCat(FormatIpAddress(p->address), "/", p->length);
    }
    case v1::DOMAIN: {
      auto d = CanonicalDomain(v);
      if (!d.ok()) return Invalid(d.status().message());
      return d;
    }
    case v1::URL:
      return CanonicalUrl(v);
    case v1::EMAIL:
      return CanonicalEmail(v);
    case v1::MD5:
      return CanonicalHash(v, 32, "md5");
    case v1::SHA1:
      return CanonicalHash(v, 40, "sha1");
    case v1::SHA256:
      return CanonicalHash(v, 64, "sha256");
    case v1::SHA512:
      return CanonicalHash(v, 128, "sha512");
    case v1::CVE:
      return CanonicalCve(v);
    case v1::ASN:
      return CanonicalAsn(v);
    default:
      return absl::InvalidArgumentError("type: unspecified");
  }
}

}  // namespace csx
