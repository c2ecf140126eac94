// The storage interface of a node: indicators, the change log and the audit
// log. Every backend (SQLite today) implements Store and Transaction; the rest
// of the server depends on these classes only.
//
// Thread-safety: a Store may be used from many threads at once. Reads run
// concurrently; write transactions are serialised (Begin() blocks until the
// previous transaction has ended). A Transaction belongs to one thread.
#ifndef CSX_SERVER_STORE_STORE_H_
#define CSX_SERVER_STORE_STORE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/ip_address.h"
#include "csx/v1/indicator.pb.h"
#include "csx/v1/service.pb.h"
#include "server/store/change_record.h"

namespace csx {

// One audit record. `hash` = SHA-256 over the previous hash and the fields.
struct AuditRecord {
  uint64_t seq = 0;
  absl::Time time;
  std::string kind;       // "submit", "revoke", "sighting", "refused", ...
  std::string principal;  // "org/role/name" or the refused identity
  std::string detail;
  std::string prev_hash;  // 32 raw bytes; empty for the first record
  std::string hash;       // 32 raw bytes
};

// A sighting waiting to be reported to a partner.
struct OutboundSighting {
  int64_t seq = 0;
  std::string indicator_id;
  uint32_t count = 0;
};

// Filters of Store::Query; unset fields do not filter.
struct QueryFilter {
  v1::IndicatorType type = v1::TYPE_UNSPECIFIED;
  // Any of these (type, exact value) pairs; empty = no such filter. A value
  // looked up without a type: one key probe per type it is valid for.
  std::vector<std::pair<v1::IndicatorType, std::string>> typed_values;
  // ipv4/ipv6/cidr indicators whose range covers an address or prefix
  // (common/ip_address.h CoveringValuesOf); unset: no containment filter.
  std::optional<CoveringValues> covering;
  std::string tag;
  std::string sector;
  std::string origin;
  std::optional<absl::Time> modified_since;
  bool include_revoked = false;
  int64_t after_row = 0;  // paging: rows after this position
  int limit = 100;
};

struct QueryPage {
  std::vector<v1::Indicator> indicators;
  std::vector<int64_t> rows;  // the position of each indicator, in order
  int64_t last_row = 0;       // position of the last returned row
  bool more = false;
};

struct StoreCounts {
  uint64_t indicators = 0;
  uint64_t active = 0;
  uint64_t revoked = 0;
  uint64_t feed_head = 0;
  uint64_t audit_records = 0;
};

// A write transaction. Nothing is visible to readers or durable before
// Commit() returns OK; destroying an uncommitted transaction rolls it back.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Looks an indicator up by its dedup key. nullopt when absent.
  virtual absl::StatusOr<std::optional<v1::Indicator>> FindByKey(
      v1::IndicatorType type, const std::string& value,
      const std::string& origin) = 0;
  virtual absl::StatusOr<std::optional<v1::Indicator>> FindById(
      const std::string& id) = 0;
  // Inserts or replaces the indicator with this id and appends a change-log
  // entry holding it (`op` at `time`); returns the entry's seq.
  virtual absl::StatusOr<uint64_t> PutVersion(
      v1::ChangeOp op, absl::Time time, const v1::Indicator& indicator) = 0;
  // As PutVersion for a new indicator, unless one of the same (type, value,
  // origin) exists: then nothing is written and the result is nullopt. A
  // bulk load of new values pays one lookup of the key instead of two.
  virtual absl::StatusOr<std::optional<uint64_t>> PutIfNew(
      v1::ChangeOp op, absl::Time time, const v1::Indicator& indicator) = 0;
  // The last audit record's hash (empty when there is none).
  virtual absl::StatusOr<std::string> LastAuditHash() = 0;
  // Appends an audit record; `record.seq` is assigned by the store.
  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;
  // Ids of indicators whose valid_until is before `now` and that are neither
  // expired nor revoked, at most `limit`.
  virtual absl::StatusOr<std::vector<std::string>> DueForExpiry(absl::Time now,
                                                                int limit) = 0;
  // Queues a sighting to report to partner `org` (sent after commit).
  virtual absl::Status EnqueueSighting(const std::string& org,
                                       const std::string& indicator_id,
                                       uint32_t count) = 0;
  // Removes a reported sighting from the queue.
  virtual absl::Status DeleteSighting(int64_t seq) = 0;
  // Records that indicator `indicator_id` was served in full to partner
  // `org` (a later revocation or expiry withdraws it there).
  virtual absl::Status RecordDelivery(const std::string& org,
                                      const std::string& indicator_id) = 0;
  // Records how far the feed of partner `org` has been applied.
  virtual absl::Status SetPeerCursor(const std::string& org,
                                     const std::string& cursor) = 0;
  // Makes every change durable. After a failure the transaction is void.
  virtual absl::Status Commit() = 0;
  // Commits and ends the transaction without waiting for the changes to
  // reach disk, so that the next transaction can begin: readers see them at
  // once, the change log serves them once they are durable. They are
  // acknowledged only when Store::AwaitDurable(ticket) has returned OK.
  // Returns the ticket; after a failure the transaction is void.
  virtual absl::StatusOr<uint64_t> CommitUnsynced() = 0;

  // Pages of the store a committed transaction wrote: `written` in all,
  // `spilled` of them before the commit, to make room in a write cache the
  // transaction's changes overflowed (those pages may have been written
  // again at the commit). Valid after Commit() or CommitUnsynced() returned
  // OK; zero where a store does not count them.
  struct PageCounts {
    size_t written = 0;
    size_t spilled = 0;
  };
  virtual PageCounts Pages() const { return {}; }
};

class Store {
 public:
  virtual ~Store() = default;

  // Starts a write transaction; blocks while another one is open.
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Begin() = 0;
  // Returns once the transaction of Transaction::CommitUnsynced's `ticket`
  // is durable: the change-log seq durable then (at least the last one the
  // transaction wrote). On failure the transaction's durability is unknown
  // and the store takes no more writes until it is opened again.
  virtual absl::StatusOr<uint64_t> AwaitDurable(uint64_t ticket) = 0;

  // NotFound when no indicator has this id.
  virtual absl::StatusOr<v1::Indicator> Get(const std::string& id) = 0;
  // The indicators with these ids that exist, in no particular order.
  virtual absl::StatusOr<std::vector<v1::Indicator>> GetMany(
      const std::vector<std::string>& ids) = 0;
  // The change-log seq of the current version of each indicator of these
  // ids that exists, by id: an entry of that seq is the current version,
  // without reading it.
  virtual absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>>
  CurrentSeqs(const std::vector<std::string>& ids) = 0;
  virtual absl::StatusOr<QueryPage> Query(const QueryFilter& filter) = 0;
  // Durable change-log entries with seq > after_seq, in order, at most
  // `limit`.
  virtual absl::StatusOr<std::vector<v1::FeedEntry>> ReadChanges(
      uint64_t after_seq, int limit) = 0;
  // The same entries, their versions left encoded.
  virtual absl::StatusOr<std::vector<ChangeRecord>> ReadChangeRecords(
      uint64_t after_seq, int limit) = 0;
  // Audit records with seq > after_seq, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<AuditRecord>> ReadAudit(uint64_t after_seq,
                                                             int limit) = 0;
  // The audit head anchor written with the last record: (seq, hash).
  virtual absl::StatusOr<std::pair<uint64_t, std::string>> AuditHead() = 0;
  // Counts every row: about a second per table at ten million indicators.
  virtual absl::StatusOr<StoreCounts> Counts() = 0;
  // The seq of the newest change-log entry (0: none); one index lookup.
  virtual absl::StatusOr<uint64_t> FeedHead() = 0;
  // Queued sightings for partner `org`, oldest first.
  virtual absl::StatusOr<std::vector<OutboundSighting>> PendingSightings(
      const std::string& org, int limit) = 0;
  // Whether RecordDelivery(org, indicator_id) was ever committed.
  virtual absl::StatusOr<bool> Delivered(const std::string& org,
                                         const std::string& indicator_id) = 0;
  // Since when deliveries are recorded: InfinitePast() for a store created
  // with the record, the upgrade time for one that had none before (what was
  // served until then is unknown).
  virtual absl::StatusOr<absl::Time> DeliveriesRecordedSince() = 0;
  // The node's 16-byte key for the cursors and page tokens it hands out
  // (TokenCodec), made when the store is created.
  virtual absl::StatusOr<std::string> TokenKey() = 0;
  // The cursor stored with SetPeerCursor ("" when none).
  virtual absl::StatusOr<std::string> PeerCursor(const std::string& org) = 0;
  // Runs the backend's own integrity check.
  virtual absl::Status CheckIntegrity() = 0;
  // The pages the write cache holds: a transaction that changes more has
  // some of them written out and read back before its commit. 0: no such
  // limit.
  virtual size_t WriteCachePages() const { return 0; }
  // Human-readable description ("sqlite:/var/lib/csx/csx.db").
  virtual std::string Describe() const = 0;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_STORE_H_
