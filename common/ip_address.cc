#include "common/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace csx {
namespace {

absl::Status BadIp(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid IP address '", text, "'"));
}

bool ParseV4(absl::string_view text, std::array<uint8_t, 4>* out) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 4) return false;
  for (int i = 0; i < 4; ++i) {
    absl::string_view p = parts[i];
    if (p.empty() || p.size() > 3) return false;
    if (p.size() > 1 && p[0] == '0') return false;  // no octal-looking octets
    int v = 0;
    for (char c : p) {
      if (!absl::ascii_isdigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return false;
    (*out)[i] = static_cast<uint8_t>(v);
  }
  return true;
}

}  // namespace

absl::StatusOr<IpAddress> ParseIpAddress(absl::string_view text) {
  IpAddress ip;
  if (text.empty() || text.size() > 45) return BadIp(text);
  std::array<uint8_t, 4> v4;
  if (ParseV4(text, &v4)) {
    ip.v6 = false;
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, v4.data(), 4);
    return ip;
  }
  if (text.find(':') == absl::string_view::npos) return BadIp(text);
  for (char c : text) {
    if (!(absl::ascii_isxdigit(c) || c == ':' || c == '.')) return BadIp(text);
  }
  const std::string s(text);
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) != 1) return BadIp(text);
  ip.v6 = true;
  std::memcpy(ip.bytes.data(), &a6, 16);
  return ip;
}

std::string FormatIpAddress(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN];
  if (!ip.v6) {
    return absl::StrCat(ip.bytes[12], ".", ip.bytes[13], ".", ip.bytes[14], ".",
                        ip.bytes[15]);
  }
  inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof(buf));
  return absl::AsciiStrToLower(buf);
}

absl::StatusOr<IpPrefix> ParseIpPrefix(absl::string_view text) {
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' has no prefix length (expected ADDRESS/LENGTH)"));
  }
  auto ip = ParseIpAddress(text.substr(0, slash));
  if (!ip.ok()) return ip.status();
  absl::string_view len_text = text.substr(slash + 1);
  int len = -1;
  const int max = ip->v6 ? 128 : 32;
  if (len_text.empty() || len_text.size() > 3 ||
      !std::all_of(len_text.begin(), len_text.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(len_text, &len) || len < 0 || len > max ||
      (len_text.size() > 1 && len_text[0] == '0')) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid prefix length '", len_text, "' (0..", max, ")"));
  }
  IpPrefix p;
  p.address = *ip;
  p.length = len;
  const int bits = ip->v6 ? len : len + 96;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - i * 8, 0, 8);
    const uint8_t mask =
        keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    if (!ip->v6 && i < 12) continue;  // keep the ::ffff: mapping bytes
    p.address.bytes[i] &= mask;
  }
  return p;
}

namespace {

IpRange RangeOfPrefix(const IpPrefix& p) {
  IpRange r;
  r.lo = p.address.bytes;
  r.hi = p.address.bytes;
  const int bits = p.address.v6 ? p.length : p.length + 96;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - i * 8, 0, 8);
    const uint8_t host = keep == 8 ? 0 : static_cast<uint8_t>(0xff >> keep);
    r.hi[i] |= host;
  }
  return r;
}

}  // namespace

absl::StatusOr<IpRange> RangeOfIndicator(v1::IndicatorType type,
                                         absl::string_view value) {
  if (type == v1::IPV4 || type == v1::IPV6) return RangeOfIp(value);
  if (type == v1::CIDR) {
    auto p = ParseIpPrefix(value);
    if (!p.ok()) return p.status();
    return RangeOfPrefix(*p);
  }
  return absl::InvalidArgumentError("not an IP indicator");
}

absl::StatusOr<IpRange> RangeOfIp(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.find('/') != absl::string_view::npos) {
    auto p = ParseIpPrefix(text);
    if (!p.ok()) return p.status();
    return RangeOfPrefix(*p);
  }
  auto ip = ParseIpAddress(text);
  if (!ip.ok()) return ip.status();
  return IpRange{ip->bytes, ip->bytes};
}

absl::StatusOr<CoveringValues> CoveringValuesOf(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  IpPrefix query;
  if (text.find('/') != absl::string_view::npos) {
    auto p = ParseIpPrefix(text);
    if (!p.ok()) return p.status();
    query = *p;
  } else {
    auto ip = ParseIpAddress(text);
    if (!ip.ok()) return ip.status();
    query.address = *ip;
    query.length = ip->v6 ? 128 : 32;
  }
  const int bits = query.address.v6 ? 128 : 32;
  const int offset = 128 - bits;  // IPv4 sits in the last 32 of 128 bits
  CoveringValues out;
  if (query.length == bits) {
    out.host_type = query.address.v6 ? v1::IPV6 : v1::IPV4;
    out.host = FormatIpAddress(query.address);
  }
  out.cidrs.reserve(static_cast<size_t>(query.length) + 1);
  for (int len = 0; len <= query.length; ++len) {
    IpAddress net = query.address;
    for (int bit = offset + len; bit < 128; ++bit) {
      net.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
    }
    out.cidrs.push_back(absl::StrCat(FormatIpAddress(net), "/", len));
  }
  return out;
}

}  // namespace csx
