// Timestamps written as text in the client's tests.
#ifndef CSX_TESTS_CLIENT_TIMESTAMPS_H_
#define CSX_TESTS_CLIENT_TIMESTAMPS_H_

#include <google/protobuf/timestamp.pb.h>

#include "common/time_util.h"

namespace csx::testing {

// The RFC 3339 time `text` (which must parse) as a protobuf Timestamp.
inline google::protobuf::Timestamp Ts(const char* text) {
  return ToProto(*ParseTime(text));
}

}  // namespace csx::testing

#endif  // CSX_TESTS_CLIENT_TIMESTAMPS_H_
