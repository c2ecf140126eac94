// Placeholder until the feed profiles land.
#include "client/formats/record_sink.h"

namespace csx::formats {
std::unique_ptr<RecordSink> NewProfileSink(FeedProfile, std::ostream&) {
  return nullptr;
}
}  // namespace csx::formats
