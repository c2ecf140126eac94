// libFuzzer target: the STIX 2.1 bundle importer and the pattern parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "client/formats/stix_reader.h"
#include "common/stix/stix_pattern.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)csx::formats::ReadStix(text);
  (void)csx::stix::ParsePattern(text);
  return 0;
}
