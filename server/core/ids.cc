#include "server/core/ids.h"

#include <array>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/uuid.h"

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
