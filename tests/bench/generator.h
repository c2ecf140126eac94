// Deterministic mixed-type indicators for the benchmark: the i-th indicator
// is always the same, and distinct i give distinct (type, value) keys.
#ifndef CSX_TESTS_BENCH_GENERATOR_H_
#define CSX_TESTS_BENCH_GENERATOR_H_

#include <cstdint>
#include <string>

#include "csx/v1/indicator.pb.h"

namespace csx::bench {

// Ten types in turn: ipv4, domain, sha256, url, ipv6, cidr, md5, email, sha1,
// cve. `salt` separates runs that must not collide.
v1::IndicatorInput MakeIndicator(uint64_t i, uint32_t salt = 0);

// The ipv4 value of MakeIndicator(i) for i % 10 == 0.
std::string Ipv4Of(uint64_t i, uint32_t salt = 0);

}  // namespace csx::bench

#endif  // CSX_TESTS_BENCH_GENERATOR_H_
