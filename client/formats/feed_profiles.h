// The feed profiles for sensors (zeek, suricata, rpz, nftables); see
// record_sink.h and docs/feed-profiles.md.
#ifndef CSX_CLIENT_FORMATS_FEED_PROFILES_H_
#define CSX_CLIENT_FORMATS_FEED_PROFILES_H_

#include <cstdint>
#include <memory>
#include <ostream>

#include "absl/time/time.h"
#include "client/formats/record_sink.h"

namespace csx::formats {

// Suricata rule ids: this base plus twice the feed entry's seq (plus one for
// a domain's second rule); for a query, twice the result's index.
inline constexpr uint64_t kSuricataSidBase = 1000000000;

// NewProfileSink with the generation time given (the rpz SOA serial and the
// header comments), for reproducible output.
std::unique_ptr<RecordSink> NewProfileSinkAt(FeedProfile profile,
                                             std::ostream& out, absl::Time now);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_FEED_PROFILES_H_
