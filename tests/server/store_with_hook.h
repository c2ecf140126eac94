// A Store that forwards every call to another one and runs hooks before
// each ReadChanges and each Begin, so that a test can commit a change, or
// serve another page, at a chosen point of a page of the feed, as a
// concurrent submission or pull would. It counts the ids read by GetMany.
#ifndef CSX_TESTS_SERVER_STORE_WITH_HOOK_H_
#define CSX_TESTS_SERVER_STORE_WITH_HOOK_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/store/store.h"

namespace csx::testing {

class StoreWithHook : public Store {
 public:
  explicit StoreWithHook(Store* inner) : inner_(inner) {}

  // Runs before each ReadChanges, with the number of calls before it.
  std::function<void(int)> before_read_changes;
  // Runs before each Begin (also those of the calls the hook makes).
  std::function<void()> before_begin;
  // The ids GetMany was asked for, in all.
  size_t get_many_ids = 0;

  absl::StatusOr<std::unique_ptr<Transaction>> Begin() override {
    if (before_begin) before_begin();
    return inner_->Begin();
  }
  absl::StatusOr<uint64_t> AwaitDurable(uint64_t ticket) override {
    return inner_->AwaitDurable(ticket);
  }
  absl::StatusOr<v1::Indicator> Get(const std::string& id) override {
    return inner_->Get(id);
  }
  absl::StatusOr<std::vector<v1::Indicator>> GetMany(
      const std::vector<std::string>& ids) override {
    get_many_ids += ids.size();
    return inner_->GetMany(ids);
  }
  absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>> CurrentSeqs(
      const std::vector<std::string>& ids) override {
    return inner_->CurrentSeqs(ids);
  }
  absl::StatusOr<QueryPage> Query(const QueryFilter& filter) override {
    return inner_->Query(filter);
  }
  absl::StatusOr<std::vector<v1::FeedEntry>> ReadChanges(uint64_t after_seq,
                                                         int limit) override {
    if (before_read_changes) before_read_changes(read_changes_calls_);
    ++read_changes_calls_;
    return inner_->ReadChanges(after_seq, limit);
  }
  absl::StatusOr<std::vector<ChangeRecord>> ReadChangeRecords(
      uint64_t after_seq, int limit) override {
    return inner_->ReadChangeRecords(after_seq, limit);
  }
  absl::StatusOr<std::vector<AuditRecord>> ReadAudit(uint64_t after_seq,
                                                     int limit) override {
    return inner_->ReadAudit(after_seq, limit);
  }
  absl::StatusOr<std::pair<uint64_t, std::string>> AuditHead() override {
    return inner_->AuditHead();
  }
  absl::StatusOr<StoreCounts> Counts() override { return inner_->Counts(); }
  absl::StatusOr<uint64_t> FeedHead() override { return inner_->FeedHead(); }
  absl::StatusOr<std::vector<OutboundSighting>> PendingSightings(
      const std::string& org, int limit) override {
    return inner_->PendingSightings(org, limit);
  }
  absl::StatusOr<bool> Delivered(const std::string& org,
                                 const std::string& indicator_id) override {
    return inner_->Delivered(org, indicator_id);
  }
  absl::StatusOr<absl::Time> DeliveriesRecordedSince() override {
    return inner_->DeliveriesRecordedSince();
  }
  absl::StatusOr<std::string> TokenKey() override { return inner_->TokenKey(); }
  absl::StatusOr<std::string> PeerCursor(const std::string& org) override {
    return inner_->PeerCursor(org);
  }
  absl::Status CheckIntegrity() override { return inner_->CheckIntegrity(); }
  size_t WriteCachePages() const override { return inner_->WriteCachePages(); }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  Store* inner_;
  int read_changes_calls_ = 0;
};

}  // namespace csx::testing

#endif  // CSX_TESTS_SERVER_STORE_WITH_HOOK_H_
