// The hash chain of the audit log: each record's hash covers the previous
// record's hash and its own fields, so altering, inserting or removing a
// record breaks the chain. Pure functions; thread-safe.
#ifndef CSX_SERVER_CORE_AUDIT_CHAIN_H_
#define CSX_SERVER_CORE_AUDIT_CHAIN_H_

#include <cstdint>
#include <string>

#include "server/store/store.h"

namespace csx {

// SHA-256 (32 raw bytes) of prev_hash, time, kind, principal and detail.
std::string AuditHash(const AuditRecord& record);

// Walks records in order and reports the first break.
class AuditChainVerifier {
 public:
  // Feeds the next record; false once a problem has been found.
  bool Add(const AuditRecord& record);
  // Checks the end of the chain against the stored head anchor.
  bool Finish(uint64_t head_seq, const std::string& head_hash);

  bool ok() const { return problem_.empty(); }
  uint64_t records() const { return records_; }
  uint64_t first_bad_seq() const { return first_bad_seq_; }
  const std::string& problem() const { return problem_; }

 private:
  bool Fail(uint64_t seq, std::string problem);

  uint64_t records_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
  uint64_t first_bad_seq_ = 0;
  std::string problem_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_AUDIT_CHAIN_H_
