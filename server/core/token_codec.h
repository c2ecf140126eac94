// TokenCodec: the feed cursors and query page tokens a node hands out. Each
// is a position (a change-log sequence, a row) sealed with AES-128 under
// the node's own key together with its kind, so that a cursor tells a
// partner nothing of how many changes the node made between two pulls, a
// page token nothing of the table's size, and a forged or altered token is
// refused. The key lives in the store, so tokens survive restarts.
//
// Thread-safety: immutable after construction; safe to share.
#ifndef CSX_SERVER_CORE_TOKEN_CODEC_H_
#define CSX_SERVER_CORE_TOKEN_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace csx {

class TokenCodec {
 public:
  enum class Kind : uint32_t { kCursor = 1, kPageToken = 2 };

  // `key`: 16 bytes (Store::TokenKey()).
  explicit TokenCodec(std::string key);

  std::string Seal(Kind kind, uint64_t position) const;
  // "" is position 0. InvalidArgument naming `field` ("cursor",
  // "page_token") for anything this node did not seal as `kind`. Cursors of
  // the earlier plain form ("csx1:N" in base64) are still read, so that
  // stored client cursors resume after an upgrade.
  absl::StatusOr<uint64_t> Open(Kind kind, absl::string_view token,
                                absl::string_view field) const;

 private:
  std::string key_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_TOKEN_CODEC_H_
