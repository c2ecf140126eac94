#include "tests/bench/generator.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace csx::bench {
namespace {

// A 64-bit mix (splitmix64) so that hashes look random but are repeatable.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string Hex(uint64_t seed, int chars) {
  std::string out;
  uint64_t x = seed;
  while (static_cast<int>(out.size()) < chars) {
    x = Mix(x);
    absl::StrAppendFormat(&out, "%016x", x);
  }
  out.resize(static_cast<size_t>(chars));
  return out;
}

// Addresses in 10.0.0.0/8 and 172.16.0.0/12 would hit warninglists; these
// public-looking ranges do not.
std::string V4(uint64_t n) {
  const uint32_t a = 0x2d000000u + static_cast<uint32_t>(n % 0x10000000u);
  return absl::StrFormat("%d.%d.%d.%d", a >> 24, (a >> 16) & 255,
                         (a >> 8) & 255, a & 255);
}

}  // namespace

std::string Ipv4Of(uint64_t i, uint32_t salt) {
  return V4(i / 10 + static_cast<uint64_t>(salt) * 10000000ULL);
}

v1::IndicatorInput MakeIndicator(uint64_t i, uint32_t salt) {
  v1::IndicatorInput in;
  const uint64_t n = i / 10 + static_cast<uint64_t>(salt) * 10000000ULL;
  const uint64_t seed = Mix(i ^ (static_cast<uint64_t>(salt) << 40));
  switch (i % 10) {
    case 0:
      in.set_type("ipv4");
      in.set_value(V4(n));
      break;
    case 1:
      in.set_type("domain");
      in.set_value(absl::StrCat("h", n, ".bench-", salt, ".example.net"));
      break;
    case 2:
      in.set_type("sha256");
      in.set_value(Hex(seed, 64));
      break;
    case 3:
      in.set_type("url");
      in.set_value(absl::StrCat("https://c2-", n % 1000, ".example.org/p/", n,
                                "?s=", salt));
      break;
    case 4:
      in.set_type("ipv6");
      in.set_value(absl::StrFormat("2a00:%x:%x::%x", salt, (n >> 16) & 0xffff,
                                   n & 0xffff));
      break;
    case 5:
      in.set_type("cidr");
      in.set_value(absl::StrCat(V4(n * 256 + 7), "/24"));
      break;
    case 6:
      in.set_type("md5");
      in.set_value(Hex(seed, 32));
      break;
    case 7:
      in.set_type("email");
      in.set_value(absl::StrCat("phish", n, "@mail-", salt, ".example.com"));
      break;
    case 8:
      in.set_type("sha1");
      in.set_value(Hex(seed, 40));
      break;
    default:
      in.set_type("cve");
      in.set_value(absl::StrCat("CVE-20", 10 + salt % 15, "-", 10000 + n));
      break;
  }
  in.set_tlp(i % 4 == 0 ? "GREEN" : "AMBER");
  in.set_confidence(static_cast<uint32_t>(50 + i % 50));
  in.add_tags(i % 2 ? "botnet" : "phishing");
  in.add_sectors(i % 3 ? "finance" : "energy");
  return in;
}

}  // namespace csx::bench
