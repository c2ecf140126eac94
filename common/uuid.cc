#include "common/uuid.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace csx {

std::string FormatUuid(const unsigned char b[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++pos;  // keep the '-'
    out[pos++] = kHex[b[i] >> 4];
    out[pos++] = kHex[b[i] & 0xf];
  }
  return out;
}

namespace {

// The random bits of new UUIDs come from the CSPRNG 4 KB at a time: every
// RAND_bytes() call costs a getpid() system call (OpenSSL's fork check),
// which at bulk-load rates was 4 % of the node's CPU. A forked child starts
// with an empty pool, so it never repeats its parent's bytes.
struct UuidState {
  absl::Mutex mu;
  uint64_t last_ms ABSL_GUARDED_BY(mu) = 0;
  uint32_t counter ABSL_GUARDED_BY(mu) = 0;
  unsigned char pool[4096] ABSL_GUARDED_BY(mu);
  size_t pool_used ABSL_GUARDED_BY(mu) = sizeof(pool);
  // Set in a forked child, which must not lock `mu`: another thread of the
  // parent may have held it at the fork.
  std::atomic<bool> forked{false};
};

UuidState& State() {
  static UuidState* const state = [] {
    auto* s = new UuidState;  // never destroyed: used until exit
    pthread_atfork(nullptr, nullptr, [] {
      State().forked.store(true, std::memory_order_relaxed);
    });
    return s;
  }();
  return *state;
}

}  // namespace

std::string NewUuid() {
  UuidState& st = State();
  unsigned char b[16];
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  uint32_t seq = 0;
  {
    absl::MutexLock lock(&st.mu);
    if (st.pool_used + sizeof(b) > sizeof(st.pool) ||
        st.forked.exchange(false, std::memory_order_relaxed)) {
      if (RAND_bytes(st.pool, sizeof(st.pool)) != 1) {
        // The CSPRNG failing is an invariant violation of the platform.
        std::abort();
      }
      st.pool_used = 0;
    }
    std::memcpy(b, st.pool + st.pool_used, sizeof(b));
    st.pool_used += sizeof(b);
    if (ms <= st.last_ms) {
      // Same millisecond (or the clock stepped back): count on from the
      // last id, moving to the next millisecond when the counter is full.
      ms = st.last_ms;
      seq = st.counter + 1;
      if (seq > 0xfff) {
        ++ms;
        seq = 0;
      }
    } else {
      seq = (static_cast<uint32_t>(b[6]) << 4 | b[7] >> 4) & 0x7ff;
    }
    st.last_ms = ms;
    st.counter = seq;
  }
  for (int i = 0; i < 6; ++i) {
    b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  }
  b[6] = static_cast<unsigned char>(0x70 | (seq >> 8));
  b[7] = static_cast<unsigned char>(seq & 0xff);
  b[8] = (b[8] & 0x3f) | 0x80;
  return FormatUuid(b);
}

std::string NameUuid(absl::string_view name) {
  // The namespace UUID of csirt-exchange names (random, fixed forever).
  static constexpr unsigned char kNamespace[16] = {
      0x6b, 0x1e, 0x4a, 0x57, 0x2c, 0x0d, 0x4f, 0x31,
      0x9a, 0x77, 0x52, 0xc6, 0x1d, 0x8e, 0x3f, 0x40};
  std::string input(reinterpret_cast<const char*>(kNamespace),
                    sizeof(kNamespace));
  input.append(name.data(), name.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(),
                 nullptr) != 1) {
    std::abort();  // SHA-1 is always available in OpenSSL
  }
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  return FormatUuid(digest);
}

}  // namespace csx
