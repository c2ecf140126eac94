// UUID text and name-based UUIDs.
#ifndef CSX_COMMON_UUID_H_
#define CSX_COMMON_UUID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace csx {

// A random (version 4) UUID in lower-case canonical text.
std::string NewUuid();

// The canonical lower-case text of 16 bytes.
std::string FormatUuid(const unsigned char bytes[16]);

// A name-based (version 5, SHA-1) UUID of `name` in this product's
// namespace: the same name always gives the same UUID.
std::string NameUuid(absl::string_view name);

}  // namespace csx

#endif  // CSX_COMMON_UUID_H_
