// ChangeRecord: one change-log entry as the store holds it, the indicator's
// version still encoded, so that a reader that serves it unchanged need not
// decode it and encode it again.
#ifndef CSX_SERVER_STORE_CHANGE_RECORD_H_
#define CSX_SERVER_STORE_CHANGE_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "csx/v1/service.pb.h"

namespace csx {

struct ChangeRecord {
  uint64_t seq = 0;
  v1::ChangeOp op = v1::OP_UNSPECIFIED;
  absl::Time time;
  std::string indicator;  // a serialized v1::Indicator
};

// Fills `out` with `record`, its version decoded. DataLoss when the version
// cannot be read.
absl::Status DecodeChange(const ChangeRecord& record, v1::FeedEntry* out);

// Checks, without decoding it, that `record`'s version is a well-formed
// message: every field's tag, wire type and length, to its last byte (the
// fields of embedded messages are not looked into). DataLoss when it is not:
// what would be sent as stored then fails as decoding it would.
absl::Status CheckEncoding(const ChangeRecord& record);

}  // namespace csx

#endif  // CSX_SERVER_STORE_CHANGE_RECORD_H_
