// libFuzzer target: the MISP event importer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "client/formats/misp_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)csx::formats::ReadMisp(text);
  return 0;
}
