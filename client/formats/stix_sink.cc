// Placeholder until the STIX writer lands.
#include "client/formats/record_sink.h"

namespace csx::formats {
std::unique_ptr<RecordSink> NewStixSink(std::ostream&) { return nullptr; }
}  // namespace csx::formats
