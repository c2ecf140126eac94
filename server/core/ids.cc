#include "server/core/ids.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace csx {
namespace {

absl::StatusOr<uint64_t> DecodeTagged(absl::string_view text,
                                      absl::string_view tag,
                                      absl::string_view field) {
  std::string raw;
  uint64_t n = 0;
  absl::string_view body;
  if (absl::WebSafeBase64Unescape(text, &raw)) {
    body = raw;
    if (absl::ConsumePrefix(&body, tag) && absl::SimpleAtoi(body, &n)) return n;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": not a valid ", field, " of this node"));
}

}  // namespace

std::string NewUuid() {
  std::array<unsigned char, 16> b;
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    // The CSPRNG failing is an invariant violation of the platform.
    std::abort();
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[37];
  std::snprintf(
      out, sizeof(out),
      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
      b[12], b[13], b[14], b[15]);
  return out;
}

bool IsUuid(absl::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string EncodeCursor(uint64_t seq) {
  return absl::WebSafeBase64Escape(absl::StrCat("csx1:", seq));
}

absl::StatusOr<uint64_t> DecodeCursor(absl::string_view cursor) {
  if (cursor.empty()) return 0;
  return DecodeTagged(cursor, "csx1:", "cursor");
}

std::string EncodePageToken(int64_t row) {
  return absl::WebSafeBase64Escape(absl::StrCat("page1:", row));
}

absl::StatusOr<int64_t> DecodePageToken(absl::string_view token) {
  if (token.empty()) return 0;
  auto n = DecodeTagged(token, "page1:", "page_token");
  if (!n.ok()) return n.status();
  return static_cast<int64_t>(*n);
}

}  // namespace csx
