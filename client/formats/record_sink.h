// Output formats that are not plain renderings of the indicator model: a STIX
// 2.1 bundle and the feed profiles for sensors (zeek, suricata, rpz,
// nftables). IndicatorWriter hands every indicator or feed entry to the sink
// of its format.
#ifndef CSX_CLIENT_FORMATS_RECORD_SINK_H_
#define CSX_CLIENT_FORMATS_RECORD_SINK_H_

#include <memory>
#include <ostream>

#include "csx/v1/indicator.pb.h"
#include "csx/v1/service.pb.h"

namespace csx::formats {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // One indicator: `entry` is the feed entry it came in (csx pull), or null
  // (csx query/get).
  virtual void Write(const v1::Indicator& indicator,
                     const v1::FeedEntry* entry) = 0;
  // The end of one pulled batch: everything written so far must be on the
  // stream before csx records the batch's cursor.
  virtual void EndBatch() {}
  // The end of the output; called once.
  virtual void Finish() {}
};

// --output stix: query/get print one STIX 2.1 bundle at Finish; pull prints
// one bundle per batch at EndBatch, each on one line.
std::unique_ptr<RecordSink> NewStixSink(std::ostream& out);

enum class FeedProfile { kZeek, kSuricata, kRpz, kNftables };

// --output zeek|suricata|rpz|nftables: a file a sensor reads directly.
std::unique_ptr<RecordSink> NewProfileSink(FeedProfile profile,
                                           std::ostream& out);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_RECORD_SINK_H_
