#include "server/core/token_codec.h"

#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace csx {
namespace {

constexpr char kMagic[4] = {'c', 's', 'x', '2'};
using Block = std::array<unsigned char, 16>;

void StoreBigEndian(uint64_t v, int bytes, unsigned char* out) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[i] = v & 0xff;
}
uint64_t LoadBigEndian(int bytes, const unsigned char* in) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in[i];
  return v;
}

// One AES-128 block, encrypted or decrypted; false on an OpenSSL failure.
bool Crypt(const std::string& key, const Block& in, Block& out, bool encrypt) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(
      EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  return ctx &&
         EVP_CipherInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr,
                           reinterpret_cast<const unsigned char*>(key.data()),
                           nullptr, encrypt ? 1 : 0) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
         EVP_CipherUpdate(ctx.get(), out.data(), &n, in.data(),
                          static_cast<int>(in.size())) == 1 &&
         n == static_cast<int>(in.size());
}

}  // namespace

TokenCodec::TokenCodec(std::string key) : key_(std::move(key)) {
  key_.resize(16, '\0');
}

std::string TokenCodec::Seal(Kind kind, uint64_t position) const {
  Block plain{}, sealed{};
  StoreBigEndian(position, 8, plain.data());
  StoreBigEndian(static_cast<uint32_t>(kind), 4, plain.data() + 8);
  std::memcpy(plain.data() + 12, kMagic, sizeof(kMagic));
  if (!Crypt(key_, plain, sealed, /*encrypt=*/true)) return "";
  return absl::WebSafeBase64Escape(absl::string_view(
      reinterpret_cast<const char*>(sealed.data()), sealed.size()));
}

absl::StatusOr<uint64_t> TokenCodec::Open(Kind kind, absl::string_view token,
                                          absl::string_view field) const {
  if (token.empty()) return 0;
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat(field, ": not a valid ", field, " of this node"));
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return bad;
  if (raw.size() == 16) {
    Block sealed{}, plain{};
    std::memcpy(sealed.data(), raw.data(), sealed.size());
    if (!Crypt(key_, sealed, plain, /*encrypt=*/false) ||
        std::memcmp(plain.data() + 12, kMagic, sizeof(kMagic)) != 0 ||
        LoadBigEndian(4, plain.data() + 8) != static_cast<uint32_t>(kind)) {
      return bad;
    }
    return LoadBigEndian(8, plain.data());
  }
  // The earlier plain cursor.
  absl::string_view body = raw;
  uint64_t seq = 0;
  if (kind == Kind::kCursor && absl::ConsumePrefix(&body, "csx1:") &&
      absl::SimpleAtoi(body, &seq)) {
    return seq;
  }
  return bad;
}

}  // namespace csx
