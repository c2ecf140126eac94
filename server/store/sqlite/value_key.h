// The store's index of indicator values: each row's (type, value) as a
// 64-bit key, hashed with SipHash-2-4 under a secret of the store (so that
// no submitter can choose values that pile up on one key), in two tables:
//
//   value_keys_recent  the keys of rows written lately: small enough to
//                      stay in the writer's page cache;
//   value_keys         all the others.
//
// A new row's key goes to value_keys_recent, where a commit dirties few
// pages however many rows the store holds. Each transaction then moves a
// slice of the key space from value_keys_recent to value_keys, in key
// order, sized so that one sweep of the whole space takes as many new keys
// as an eighth of the store: every page of value_keys is written about once
// per sweep, instead of once per new row that lands on it, and
// value_keys_recent holds about a sixteenth of the store.
//
// The writer holds every key of both tables in a KeyFilter (key_filter.h),
// built when the store opens: a new value, which is in neither table, is
// known to be new without reading value_keys, whose pages outgrow any cache
// (one random page a value at 10M rows, read from the disk when the system
// has dropped it).
//
// An entry names a row by rid; a lookup reads the rows of its key from both
// tables and compares their (type, value, origin), so an entry left behind
// by a row whose value changed, or two values on one key, never give a
// wrong answer.
//
// Thread-safety: ValueKey is immutable. ValueKeyIndex is used by the writer
// only, under the store's write lock.
#ifndef CSX_SERVER_STORE_SQLITE_VALUE_KEY_H_
#define CSX_SERVER_STORE_SQLITE_VALUE_KEY_H_

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/store/sqlite/key_filter.h"
#include "server/store/sqlite/sqlite_handle.h"

namespace csx {

// The tables of the index.
inline constexpr absl::string_view kValueKeySchema = R"sql(
CREATE TABLE IF NOT EXISTS value_keys(
  k INTEGER NOT NULL, rid INTEGER NOT NULL,
  PRIMARY KEY(k, rid)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS value_keys_recent(
  k INTEGER NOT NULL, rid INTEGER NOT NULL,
  PRIMARY KEY(k, rid)) STRICT, WITHOUT ROWID;
)sql";

// The key of a (type, value).
class ValueKey {
 public:
  static constexpr size_t kSecretBytes = 16;
  using Secret = std::array<unsigned char, kSecretBytes>;

  explicit ValueKey(const Secret& secret) : secret_(secret) {}

  // The store's key: its secret is created with the schema (meta
  // 'value_key_secret') and never changes. `create` adds it when missing
  // (the writer, in the schema's transaction).
  static absl::StatusOr<ValueKey> OfStore(sqlite3* db, bool create);

  int64_t Of(int type, absl::string_view value) const;

  // Registers csx_value_key(type, value) on `db`, for statements that key
  // existing rows. The function refers to this object, which must outlive
  // `db`'s use of it.
  absl::Status RegisterFunction(sqlite3* db) const;

  // "k IN (SELECT ...)": the rids of the rows of keys bound as `marks`
  // (e.g. "?3" or "?3,?4") in both tables.
  static std::string RidsOf(absl::string_view marks);

 private:
  Secret secret_;
};

// The writer's side: adding keys and sweeping them to value_keys.
class ValueKeyIndex {
 public:
  // A slice of the key space is swept after every transaction; a whole
  // sweep takes max(rows / kSweepFraction, kMinSweep) new keys.
  static constexpr int64_t kSweepFraction = 8;
  static constexpr int64_t kMinSweep = 65536;

  // A new store's filter holds this many keys before it grows a level.
  static constexpr int64_t kMinFilterKeys = int64_t{1} << 20;

  // Prepares the writer's statements on `db` (which has the schema) and
  // reads every key into the filter (about a second per 10M keys).
  // While the store holds fewer than `direct_rows` rows, keys go straight
  // to value_keys, whose pages the writer's cache then holds.
  static absl::StatusOr<ValueKeyIndex> Prepare(sqlite3* db, ValueKey key,
                                               int64_t direct_rows);

  const ValueKey& key() const { return key_; }

  // The rid of the row of (type, value, origin), if any.
  absl::StatusOr<std::optional<int64_t>> Find(int type, absl::string_view value,
                                              absl::string_view origin);
  // False when no row has `key` (ValueKey::Of): a lookup by it would find
  // nothing. Counts the lookups it lets through (probes()).
  bool MayHold(int64_t key);
  // Adds the key of a new row `rid`.
  absl::Status AddNew(int type, absl::string_view value, int64_t rid);
  // Adds the key of a row written over, unless it is there already (its
  // value is usually the one it had).
  absl::Status AddWrittenOver(int type, absl::string_view value, int64_t rid);
  // Moves the slice of value_keys_recent that this transaction's new keys
  // pay for to value_keys. Call once per transaction, before its commit.
  absl::Status Sweep();
  // Forgets what the transaction added (it was rolled back).
  void Discard() { added_ = 0; }

  // How many rows the store holds, as the sweep counts them.
  int64_t rows() const { return rows_; }
  // How many lookups by key MayHold let through, and the filter.
  int64_t probes() const { return probes_; }
  const KeyFilter& filter() const { return *filter_; }

 private:
  ValueKeyIndex(ValueKey key, int64_t direct_rows)
      : key_(key), direct_rows_(direct_rows) {}

  absl::Status SweepRange(int64_t low, int64_t high);
  // Adds `key` to the filter unless it may be there already (a row written
  // over mostly keeps its value).
  void Remember(int64_t key);

  ValueKey key_;
  int64_t direct_rows_;
  sqlite3* db_ = nullptr;  // the writer connection
  int64_t rows_ = 0;       // the largest rid: rows are never deleted
  int64_t added_ = 0;      // keys added to value_keys_recent since Sweep()
  uint64_t cursor_ = 0;    // where the next slice starts, as unsigned key bits
  int64_t probes_ = 0;
  std::optional<KeyFilter> filter_;  // every key of both tables
  std::optional<Statement> find_, add_recent_, add_direct_, add_over_, move_,
      drop_;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_VALUE_KEY_H_
