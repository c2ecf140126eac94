// libFuzzer target: the CSV importer and format detection.
#include <cstddef>
#include <cstdint>
#include <string>

#include "client/formats/csv_reader.h"
#include "client/formats/format_detect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)csx::formats::ReadCsv(text);
  (void)csx::formats::DetectFormat("-", text);
  (void)csx::formats::DetectFormat("x.json", text);
  return 0;
}
