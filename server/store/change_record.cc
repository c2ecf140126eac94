#include "server/store/change_record.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

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

absl::Status CheckEncoding(const ChangeRecord& record) {
  const std::string& bytes = record.indicator;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  // SkipMessage stops at the end of the bytes or at an end-group tag; only
  // the end of the bytes ends a well-formed message.
  if (!google::protobuf::internal::WireFormatLite::SkipMessage(&in) ||
      !in.ConsumedEntireMessage()) {
    return absl::DataLossError(
        absl::StrCat("store: unreadable change ", record.seq));
  }
  return absl::OkStatus();
}

}  // namespace csx
