// libFuzzer target: the JSON-lines importer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "client/formats/jsonl_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)csx::formats::ReadJsonl(text);
  return 0;
}
