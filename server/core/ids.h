// Identifiers the node hands out: indicator UUIDs, feed cursors and query
// page tokens. Cursors and tokens are opaque to clients. Thread-safe.
#ifndef CSX_SERVER_CORE_IDS_H_
#define CSX_SERVER_CORE_IDS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/uuid.h"  // NewUuid

namespace csx {

// True for canonical lower-case UUID text.
bool IsUuid(absl::string_view text);

// The cursor that resumes a feed after change-log sequence `seq`.
std::string EncodeCursor(uint64_t seq);
// The sequence of a cursor; "" is the start (0). InvalidArgument naming
// "cursor" for anything this node did not produce.
absl::StatusOr<uint64_t> DecodeCursor(absl::string_view cursor);

std::string EncodePageToken(int64_t row);
absl::StatusOr<int64_t> DecodePageToken(absl::string_view token);

}  // namespace csx

#endif  // CSX_SERVER_CORE_IDS_H_
