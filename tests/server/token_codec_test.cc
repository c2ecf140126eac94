#include "server/core/token_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/escaping.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;
using Kind = TokenCodec::Kind;

const TokenCodec kCodec(std::string(16, 'k'));

TEST(TokenCodecTest, RoundTripsEveryKind) {
  for (uint64_t n :
       {uint64_t{0}, uint64_t{1}, uint64_t{123456789}, ~uint64_t{0}}) {
    for (Kind kind : {Kind::kCursor, Kind::kPageToken}) {
      auto back = kCodec.Open(kind, kCodec.Seal(kind, n), "token");
      ASSERT_THAT(back, IsOk());
      EXPECT_EQ(*back, n);
    }
  }
  EXPECT_EQ(*kCodec.Open(Kind::kCursor, "", "cursor"), 0u);
}

TEST(TokenCodecTest, ConsecutivePositionsLookUnrelated) {
  // A partner comparing two cursors learns nothing of the distance.
  std::set<std::string> prefixes;
  for (uint64_t n = 1; n <= 200; ++n) {
    prefixes.insert(kCodec.Seal(Kind::kCursor, n).substr(0, 6));
  }
  EXPECT_EQ(prefixes.size(), 200u);
}

TEST(TokenCodecTest, RefusesWhatThisNodeDidNotSeal) {
  const std::string cursor = kCodec.Seal(Kind::kCursor, 42);
  // Another kind, another node's key, an altered byte, garbage.
  EXPECT_THAT(kCodec.Open(Kind::kPageToken, cursor, "page_token"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("page_token: not a valid page_token")));
  const TokenCodec other(std::string(16, 'o'));
  EXPECT_THAT(other.Open(Kind::kCursor, cursor, "cursor"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(cursor, &raw));
  raw[3] ^= 1;
  EXPECT_THAT(
      kCodec.Open(Kind::kCursor, absl::WebSafeBase64Escape(raw), "cursor"),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(kCodec.Open(Kind::kCursor, "not base64!", "cursor"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TokenCodecTest, ReadsThePlainCursorsOfEarlierVersions) {
  const std::string legacy = absl::WebSafeBase64Escape("csx1:77");
  auto seq = kCodec.Open(Kind::kCursor, legacy, "cursor");
  ASSERT_THAT(seq, IsOk());
  EXPECT_EQ(*seq, 77u);
  // Page tokens are never stored by clients: only the sealed form.
  EXPECT_THAT(kCodec.Open(Kind::kPageToken,
                          absl::WebSafeBase64Escape("page1:5"), "page_token"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace csx
