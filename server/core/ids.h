// Indicator identifiers (UUIDs); feed cursors and page tokens are
// TokenCodec's. Thread-safe.
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

}  // namespace csx

#endif  // CSX_SERVER_CORE_IDS_H_
