// IP addresses and ranges in one 16-byte space: IPv4 is held as an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d), so that containment of any
// address in any range is a byte-string comparison (lo <= ip <= hi).
// Pure functions; thread-safe.
#ifndef CSX_COMMON_IP_ADDRESS_H_
#define CSX_COMMON_IP_ADDRESS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csx/v1/indicator.pb.h"

namespace csx {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
};

struct IpRange {
  std::array<uint8_t, 16> lo{}, hi{};
};

// Parses IPv4 dotted-quad (no leading zeros) or IPv6 text (no zone id).
absl::StatusOr<IpAddress> ParseIpAddress(absl::string_view text);
// Dotted quad for IPv4; RFC 5952 text for IPv6.
std::string FormatIpAddress(const IpAddress& ip);
// Parses "addr/len". `strict_host_bits` refuses set host bits.
struct IpPrefix {
  IpAddress address;  // host bits cleared
  int length = 0;     // in the address family's own bits (v4: 0..32)
};
absl::StatusOr<IpPrefix> ParseIpPrefix(absl::string_view text);

// The range covered by an ipv4/ipv6/cidr indicator in canonical form;
// InvalidArgument for other types.
absl::StatusOr<IpRange> RangeOfIndicator(v1::IndicatorType type,
                                         absl::string_view canonical_value);
// The range of an address (a single point) or of a CIDR.
absl::StatusOr<IpRange> RangeOfIp(absl::string_view ip_or_cidr);

// The canonical indicator values whose range covers `ip_or_cidr`: the
// address itself when it is one host (`host`, of type ipv4 or ipv6), and
// every enclosing prefix from /0 down to the query's own length (`cidrs`, in
// canonical cidr text). Containment thus becomes a bounded set of exact
// lookups: at most 33 for IPv4 and 129 for IPv6.
struct CoveringValues {
  v1::IndicatorType host_type = v1::TYPE_UNSPECIFIED;  // unset: not a host
  std::string host;
  std::vector<std::string> cidrs;
};
absl::StatusOr<CoveringValues> CoveringValuesOf(absl::string_view ip_or_cidr);

}  // namespace csx

#endif  // CSX_COMMON_IP_ADDRESS_H_
