#include "common/time_util.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace csx {

absl::StatusOr<absl::Time> ParseTime(absl::string_view text) {
  std::string s(absl::StripAsciiWhitespace(text));
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return t;
  if (absl::ParseTime("%Y-%m-%d", s, absl::UTCTimeZone(), &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid time '", s,
      "': expected RFC 3339 (2025-01-02T03:04:05Z) or a date (2025-01-02)"));
}

std::string FormatTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration '", text,
                     "': expected a number and d, h, m or s (90d)"));
  };
  if (text.size() < 2) return bad();
  int64_t n = 0;
  if (!absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) || n <= 0) {
    return bad();
  }
  switch (text.back()) {
    case 'd':
      return absl::Hours(24) * n;
    case 'h':
      return absl::Hours(n);
    case 'm':
      return absl::Minutes(n);
    case 's':
      return absl::Seconds(n);
    default:
      return bad();
  }
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t secs = nanos / 1000000000;
  int64_t rem = nanos % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    --secs;
  }
  ts.set_seconds(secs);
  ts.set_nanos(static_cast<int32_t>(rem));
  return ts;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

bool IsSet(const google::protobuf::Timestamp& ts) {
  return ts.seconds() != 0 || ts.nanos() != 0;
}

}  // namespace csx
