#include "server/store/sqlite/value_key.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace csx {
namespace {

// Unsigned key bits in the order of the signed keys: 0 is the smallest.
int64_t ToKey(uint64_t bits) {
  return static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
}

void ValueKeyFunction(sqlite3_context* ctx, int, sqlite3_value** args) {
  const auto* key = static_cast<const ValueKey*>(sqlite3_user_data(ctx));
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[1]));
  const int size = sqlite3_value_bytes(args[1]);
  sqlite3_result_int64(
      ctx, key->Of(sqlite3_value_int(args[0]),
                   absl::string_view(text ? text : "", text ? size : 0)));
}

}  // namespace

absl::StatusOr<ValueKey> ValueKey::OfStore(sqlite3* db, bool create) {
  if (sodium_init() < 0) {
    return absl::InternalError("store: libsodium did not initialise");
  }
  if (create) {
    CSX_RETURN_IF_ERROR(Exec(db,
                             "INSERT OR IGNORE INTO meta(key, value) VALUES "
                             "('value_key_secret', randomblob(16))"));
  }
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      Statement::Prepare(
          db, "SELECT value FROM meta WHERE key = 'value_key_secret'"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  const absl::string_view blob = row ? s.ColumnBlob(0) : absl::string_view();
  if (blob.size() != kSecretBytes) {
    return absl::DataLossError("store: the value key secret is missing");
  }
  Secret secret;
  std::memcpy(secret.data(), blob.data(), kSecretBytes);
  return ValueKey(secret);
}

int64_t ValueKey::Of(int type, absl::string_view value) const {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(value.data()),
                   value.size(), secret_.data());
  uint64_t bits = 0;
  std::memcpy(&bits, out, sizeof(bits));
  // The type moves the key by a constant: values of two types never share
  // keys by construction, and no one without the secret can make them.
  bits ^= static_cast<uint64_t>(type) * 0x9e3779b97f4a7c15ULL;
  return static_cast<int64_t>(bits);
}

absl::Status ValueKey::RegisterFunction(sqlite3* db) const {
  auto copy = std::make_unique<ValueKey>(*this);
  const int rc = sqlite3_create_function_v2(
      db, "csx_value_key", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, copy.get(),
      ValueKeyFunction, nullptr, nullptr,
      [](void* p) { delete static_cast<ValueKey*>(p); });
  // SQLite owns the copy from here, also when registering failed (it calls
  // the destructor then).
  copy.release();
  if (rc != SQLITE_OK) return SqliteError(db, rc, "register csx_value_key");
  return absl::OkStatus();
}

std::string ValueKey::RidsOf(absl::string_view marks) {
  return absl::StrCat(
      "rid IN (SELECT rid FROM value_keys_recent WHERE k IN (", marks,
      ") UNION ALL SELECT rid FROM value_keys WHERE k IN (", marks, "))");
}

absl::StatusOr<ValueKeyIndex> ValueKeyIndex::Prepare(sqlite3* db, ValueKey key,
                                                     int64_t direct_rows) {
  ValueKeyIndex index(key, direct_rows);
  index.db_ = db;
  CSX_ASSIGN_OR_RETURN(
      index.find_,
      Statement::Prepare(db, absl::StrCat("SELECT rid FROM indicators WHERE ",
                                          ValueKey::RidsOf("?1"),
                                          " AND type = ?2 AND value = ?3 AND "
                                          "origin = ?4 LIMIT 1")));
  CSX_ASSIGN_OR_RETURN(
      index.add_recent_,
      Statement::Prepare(db,
                         "INSERT OR IGNORE INTO value_keys_recent(k, rid) "
                         "VALUES (?, ?)"));
  CSX_ASSIGN_OR_RETURN(
      index.add_direct_,
      Statement::Prepare(
          db, "INSERT OR IGNORE INTO value_keys(k, rid) VALUES (?, ?)"));
  CSX_ASSIGN_OR_RETURN(
      index.add_over_,
      Statement::Prepare(db,
                         "INSERT OR IGNORE INTO value_keys_recent(k, rid) "
                         "SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM "
                         "value_keys WHERE k = ?1 AND rid = ?2)"));
  CSX_ASSIGN_OR_RETURN(
      index.move_,
      Statement::Prepare(db,
                         "INSERT OR IGNORE INTO value_keys(k, rid) SELECT k, "
                         "rid FROM value_keys_recent WHERE k BETWEEN ? AND ?"));
  CSX_ASSIGN_OR_RETURN(
      index.drop_,
      Statement::Prepare(
          db, "DELETE FROM value_keys_recent WHERE k BETWEEN ? AND ?"));
  CSX_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db, "SELECT coalesce(max(rid), 0) FROM indicators"));
  CSX_ASSIGN_OR_RETURN(bool row, rows.Step());
  index.rows_ = row ? rows.ColumnInt(0) : 0;
  // Room for the store to double before the filter grows a level.
  index.filter_.emplace(std::max(2 * index.rows_, kMinFilterKeys));
  CSX_ASSIGN_OR_RETURN(
      Statement keys,
      Statement::Prepare(db,
                         "SELECT k FROM value_keys UNION ALL SELECT k FROM "
                         "value_keys_recent"));
  while (true) {
    CSX_ASSIGN_OR_RETURN(bool more, keys.Step());
    if (!more) break;
    index.filter_->Add(static_cast<uint64_t>(keys.ColumnInt(0)));
  }
  // The scan filled the writer's cache with every page of both tables,
  // which the writer seldom reads again: they go, and the cache fills with
  // what the writes need.
  sqlite3_db_release_memory(db);
  return index;
}

bool ValueKeyIndex::MayHold(int64_t key) {
  if (!filter_->MayContain(static_cast<uint64_t>(key))) return false;
  ++probes_;
  return true;
}

void ValueKeyIndex::Remember(int64_t key) {
  const auto bits = static_cast<uint64_t>(key);
  if (!filter_->MayContain(bits)) filter_->Add(bits);
}

absl::StatusOr<std::optional<int64_t>> ValueKeyIndex::Find(
    int type, absl::string_view value, absl::string_view origin) {
  const int64_t key = key_.Of(type, value);
  if (!MayHold(key)) return std::nullopt;
  Statement& s = *find_;
  s.BindInt(1, key);
  s.BindInt(2, type);
  s.BindText(3, value);
  s.BindText(4, origin);
  auto row = s.Step();
  std::optional<int64_t> rid;
  if (row.ok() && *row) rid = s.ColumnInt(0);
  s.Reset();
  if (!row.ok()) return row.status();
  return rid;
}

absl::Status ValueKeyIndex::AddNew(int type, absl::string_view value,
                                   int64_t rid) {
  rows_ = std::max(rows_, rid);
  const bool direct = rows_ < direct_rows_;
  Statement& s = direct ? *add_direct_ : *add_recent_;
  const int64_t key = key_.Of(type, value);
  Remember(key);
  s.BindInt(1, key);
  s.BindInt(2, rid);
  CSX_RETURN_IF_ERROR(s.Run());
  if (!direct) ++added_;
  return absl::OkStatus();
}

absl::Status ValueKeyIndex::AddWrittenOver(int type, absl::string_view value,
                                           int64_t rid) {
  rows_ = std::max(rows_, rid);
  const bool direct = rows_ < direct_rows_;
  Statement& s = direct ? *add_direct_ : *add_over_;
  const int64_t key = key_.Of(type, value);
  Remember(key);
  s.BindInt(1, key);
  s.BindInt(2, rid);
  CSX_RETURN_IF_ERROR(s.Run());
  if (!direct) added_ += sqlite3_changes(db_);
  return absl::OkStatus();
}

absl::Status ValueKeyIndex::Sweep() {
  if (added_ == 0) return absl::OkStatus();
  const int64_t span = std::max(rows_ / kSweepFraction, kMinSweep);
  const double share = static_cast<double>(added_) / static_cast<double>(span);
  added_ = 0;
  constexpr uint64_t kLast = std::numeric_limits<uint64_t>::max();
  // A slice this wide would reach about 2^64: the whole space.
  if (share >= 0.999999) return SweepRange(ToKey(0), ToKey(kLast));
  const uint64_t width =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ldexp(share, 64)));
  const uint64_t first = cursor_;
  const uint64_t last = first + (width - 1);  // wraps past the end
  cursor_ = last + 1;
  if (last >= first) return SweepRange(ToKey(first), ToKey(last));
  CSX_RETURN_IF_ERROR(SweepRange(ToKey(first), ToKey(kLast)));
  return SweepRange(ToKey(0), ToKey(last));
}

absl::Status ValueKeyIndex::SweepRange(int64_t low, int64_t high) {
  for (Statement* s : {&*move_, &*drop_}) {
    s->BindInt(1, low);
    s->BindInt(2, high);
    CSX_RETURN_IF_ERROR(s->Run());
  }
  return absl::OkStatus();
}

}  // namespace csx
