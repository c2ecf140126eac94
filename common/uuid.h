// UUID text and name-based UUIDs.
#ifndef CSX_COMMON_UUID_H_
#define CSX_COMMON_UUID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace csx {

// A time-ordered (version 7, RFC 9562) UUID in lower-case canonical text:
// 48 bits of Unix milliseconds, a 12-bit counter that keeps the UUIDs of one
// process strictly increasing within a millisecond, and 62 random bits.
// Ordered ids append to the store's id index instead of landing on a random
// page of it. Thread-safe.
std::string NewUuid();

// The canonical lower-case text of 16 bytes.
std::string FormatUuid(const unsigned char bytes[16]);

// A name-based (version 5, SHA-1) UUID of `name` in this product's
// namespace: the same name always gives the same UUID.
std::string NameUuid(absl::string_view name);

}  // namespace csx

#endif  // CSX_COMMON_UUID_H_
