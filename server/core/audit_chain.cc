#include "server/core/audit_chain.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace csx {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

void AddField(EVP_MD_CTX* ctx, absl::string_view field) {
  // Length-prefixed so that field boundaries cannot be shifted.
  const uint64_t n = field.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = static_cast<unsigned char>(n >> (56 - 8 * i));
  EVP_DigestUpdate(ctx, len, sizeof(len));
  EVP_DigestUpdate(ctx, field.data(), field.size());
}

}  // namespace

std::string AuditHash(const AuditRecord& r) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  AddField(ctx.get(), r.prev_hash);
  AddField(ctx.get(), absl::StrCat(absl::ToUnixMicros(r.time)));
  AddField(ctx.get(), r.kind);
  AddField(ctx.get(), r.principal);
  AddField(ctx.get(), r.detail);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool AuditChainVerifier::Fail(uint64_t seq, std::string problem) {
  first_bad_seq_ = seq;
  problem_ = std::move(problem);
  return false;
}

bool AuditChainVerifier::Add(const AuditRecord& r) {
  if (!ok()) return false;
  ++records_;
  if (r.seq != last_seq_ + 1) {
    return Fail(last_seq_ + 1,
                absl::StrCat("record ", last_seq_ + 1, " is missing"));
  }
  if (r.prev_hash != last_hash_) {
    return Fail(r.seq, absl::StrCat("record ", r.seq,
                                    " does not follow record ", last_seq_));
  }
  if (AuditHash(r) != r.hash) {
    return Fail(r.seq, absl::StrCat("record ", r.seq, " was altered"));
  }
  last_seq_ = r.seq;
  last_hash_ = r.hash;
  return true;
}

bool AuditChainVerifier::Finish(uint64_t head_seq,
                                const std::string& head_hash) {
  if (!ok()) return false;
  if (head_seq != last_seq_ || head_hash != last_hash_) {
    return Fail(last_seq_ + 1,
                absl::StrCat("the log ends at record ", last_seq_,
                             " but its head anchor names record ", head_seq));
  }
  return true;
}

}  // namespace csx
