// libFuzzer target: canonical forms of every indicator type. The first byte
// picks the type; the rest is the value. A canonical value must be a fixed
// point, and IP ranges must come out ordered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/canonical.h"
#include "common/ip_address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int first = csx::v1::IndicatorType_MIN + 1;
  const int count = csx::v1::IndicatorType_MAX - first + 1;
  const auto type =
      static_cast<csx::v1::IndicatorType>(first + data[0] % count);
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  auto canonical = csx::Canonicalize(type, value);
  if (canonical.ok()) {
    auto again = csx::Canonicalize(type, *canonical);
    // Canonicalising a canonical value changes nothing.
    if (!again.ok() || *again != *canonical) std::abort();
    auto range = csx::RangeOfIndicator(type, *canonical);
    if (range.ok() && range->hi < range->lo) std::abort();
  }
  (void)csx::CoveringValuesOf(value);
  (void)csx::RangeOfIp(value);
  return 0;
}
