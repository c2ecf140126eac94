// libFuzzer target: the node config loader (YAML mapped onto config.proto,
// then validation). Any input gives a config or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/config/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  auto config = csx::ParseConfigYaml(yaml);
  if (config.ok()) (void)csx::ValidateConfig(*config);
  return 0;
}
