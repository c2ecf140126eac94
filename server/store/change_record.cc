#include "server/store/change_record.h"

#include "absl/strings/str_cat.h"
#include "common/time_util.h"

namespace csx {

absl::Status DecodeChange(const ChangeRecord& record, v1::FeedEntry* out) {
  out->set_seq(record.seq);
  out->set_op(record.op);
  *out->mutable_time() = ToProto(record.time);
  if (!out->mutable_indicator()->ParseFromString(record.indicator)) {
    return absl::DataLossError(
        absl::StrCat("store: unreadable change ", record.seq));
  }
  return absl::OkStatus();
}

}  // namespace csx
