// Node: the logic of one csirt-exchange node, independent of gRPC. The gRPC
// services are thin adapters over it, and tests drive it directly.
//
// Every mutation is one store transaction that updates indicators, appends
// change-log entries and an audit record together; a call returns only after
// that transaction is durably committed.
//
// Thread-safety: all methods may be called concurrently. The Store and Clock
// passed to Create() must outlive the Node.
#ifndef CSX_SERVER_CORE_NODE_H_
#define CSX_SERVER_CORE_NODE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "csx/v1/feed_wire.pb.h"
#include "csx/v1/service.pb.h"
#include "server/core/clock.h"
#include "server/core/group_commit.h"
#include "server/core/group_sizer.h"
#include "server/core/node_events.h"
#include "server/core/principal.h"
#include "server/core/rate_limiter.h"
#include "server/core/token_codec.h"
#include "server/core/warninglists.h"
#include "server/policy/sharing_policy.h"
#include "server/store/store.h"

namespace csx {

struct NodeOptions {
  std::string org;  // this node's org id
  uint32_t max_batch_items = 10000;
  uint32_t max_query_limit = 10000;
  uint32_t max_pull_limit = 10000;
  std::string version = "0.1.0";
  // Borrowed; must outlive the Node. Null: events are not reported.
  NodeEvents* events = nullptr;
};

class Node {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Create(NodeOptions options,
                                                      Store* store,
                                                      Clock* clock);

  // Validates and stores each item on its own; rejected items carry their
  // index and "field: reason". InvalidArgument when the batch is empty or too
  // large; store errors fail the whole batch (nothing of it is stored).
  absl::StatusOr<v1::SubmitResponse> Submit(const Principal& who,
                                            const v1::SubmitRequest& request);
  // Several requests (a client stream's) in one transaction: one response
  // per request, in order. Fails as a whole as Submit does.
  absl::StatusOr<std::vector<v1::SubmitResponse>> SubmitAll(
      const Principal& who,
      absl::Span<const v1::SubmitRequest* const> requests);

  // The most items committed in one transaction, and the fewest a
  // transaction is held to when its changes would overflow the store's
  // write cache (GroupSizer).
  static constexpr size_t kMaxGroupItems = 50000;
  static constexpr size_t kMinGroupItems = 2000;
  // The items the next transaction may take: kMaxGroupItems, less once the
  // store's write cache would not hold a transaction that large.
  size_t MaxGroupItems() const { return group_sizer_.Limit(); }

  // SubmitAll() in two steps, so that a client stream validates its next
  // requests while the previous ones are being committed. PrepareSubmit()
  // validates (no lock, nothing stored) and keeps what it needs: the
  // requests may go once it returns. CommitSubmit() stores the batch in one
  // transaction (group-committed with other callers) and answers as
  // SubmitAll() does, once the transaction is durable; `applied` (may be
  // null) is notified as soon as it is committed, so that the caller can
  // start its next batch while this one is flushed. `who` must outlive the
  // batch.
  class PreparedSubmit;
  absl::StatusOr<PreparedSubmit> PrepareSubmit(
      const Principal& who,
      absl::Span<const v1::SubmitRequest* const> requests);
  absl::StatusOr<std::vector<v1::SubmitResponse>> CommitSubmit(
      PreparedSubmit batch, absl::Notification* applied = nullptr);
  // True when `next` does not fit beside `batch` in one transaction: the
  // two hold more than MaxGroupItems() items and `batch` is not empty (a
  // batch larger alone is committed alone).
  bool Overflows(const PreparedSubmit& batch, const PreparedSubmit& next) const;

  // NotFound when the id is unknown or not visible to `who` (the two are
  // indistinguishable to the caller).
  absl::StatusOr<v1::Indicator> Get(const Principal& who,
                                    const std::string& id);
  // The same for a principal that may pull the feed (a partner's TAXII
  // client fetching one object of its collection): what Pull would show.
  absl::StatusOr<v1::Indicator> GetFromFeed(const Principal& who,
                                            const std::string& id);
  // GetFromFeed() for an object that goes out to the caller (TAXII
  // get-object): a partner's copy is recorded as a delivery, as Pull does.
  absl::StatusOr<v1::Indicator> ServeFromFeed(const Principal& who,
                                              const std::string& id);
  absl::StatusOr<v1::QueryResponse> Query(const Principal& who,
                                          const v1::QueryRequest& request);
  // Revokes an indicator of this node's org. FailedPrecondition for an
  // indicator of another origin; revoking a revoked indicator is a no-op.
  absl::StatusOr<v1::Indicator> Revoke(const Principal& who,
                                       const std::string& id,
                                       const std::string& reason);
  absl::StatusOr<v1::Indicator> Sight(const Principal& who,
                                      const std::string& id, uint32_t count);

  // The entries after `cursor` that `who` may see, at most `limit`.
  absl::StatusOr<v1::PullResponse> Pull(const Principal& who,
                                        const std::string& cursor,
                                        uint32_t limit);
  // The same page, encoded as the Pull RPC sends it: an entry that goes out
  // as stored (every entry, for this node's own principals) carries the
  // stored encoding of its version, not decoded and encoded again.
  absl::StatusOr<v1::wire::PullResponse> PullEncoded(const Principal& who,
                                                     const std::string& cursor,
                                                     uint32_t limit);
  // A cursor from which Pull returns the entries committed after `t` (the
  // change log is in commit order, so its times only grow).
  absl::StatusOr<std::string> CursorAfter(absl::Time t);
  // The change-log sequence a cursor of this node stands at ("" is 0);
  // InvalidArgument for a cursor this node did not hand out.
  absl::StatusOr<uint64_t> CursorPosition(absl::string_view cursor) const;
  // Blocks until the change log has entries after `seq`, `deadline` passes or
  // Shutdown() is called. Returns the current head.
  uint64_t WaitForChanges(uint64_t seq, absl::Time deadline);

  absl::StatusOr<v1::StatusResponse> Status(const Principal& who);
  absl::StatusOr<v1::AgreementsResponse> Agreements(const Principal& who);
  // Whether indicator `id` would go to `partner` now, and by which rule.
  absl::StatusOr<v1::ExplainResponse> Explain(const Principal& who,
                                              const std::string& id,
                                              const std::string& partner);

  // Federation: applies a batch pulled from partner `partner`'s feed. Each
  // entry the agreement's accept rules admit is stored with this node's org
  // appended to its path; entries that would loop, older duplicates and
  // entries that fail validation are skipped. The entries and the new
  // cursor are committed in one transaction. Returns how many were applied.
  absl::StatusOr<int> ApplyFromPeer(const std::string& partner,
                                    const v1::PullResponse& batch);
  // The cursor of partner `partner`'s feed stored by ApplyFromPeer.
  absl::StatusOr<std::string> PeerCursor(const std::string& partner) {
    return store_->PeerCursor(partner);
  }

  // Sightings of received indicators queued for `partner` (the org each
  // came from, when its agreement has report_sightings), and their removal
  // once the partner has acknowledged them.
  absl::StatusOr<std::vector<OutboundSighting>> PendingSightings(
      const std::string& partner) {
    return store_->PendingSightings(partner, 500);
  }
  absl::Status AckSighting(int64_t seq);

  // The per-principal limits of submissions (items/s) and reads (calls/s);
  // a rate of 0 is unlimited.
  struct RateLimits {
    double submit_per_second = 100000, submit_burst = 200000;
    double query_per_second = 500, query_burst = 1000;
    absl::Duration report_interval = absl::Minutes(1);
  };
  void SetRateLimits(const RateLimits& limits);
  enum class RateClass { kSubmit, kQuery };
  // Takes `cost` from `who`'s bucket of that class; ResourceExhausted, counted
  // as a "rate_limit" refusal, when it is empty. Get and Query check
  // themselves; the feed adapters (Pull, Subscribe, TAXII) call this once
  // per call.
  absl::Status CheckRate(const Principal& who, RateClass cls, double cost = 1);

  // Puts new warninglists in force for every later submission.
  void SetWarninglists(std::shared_ptr<const Warninglists> lists);

  // Puts a new set of agreements in force for every later decision.
  void SetAgreements(std::shared_ptr<const AgreementSet> agreements);
  absl::StatusOr<v1::AuditVerifyResponse> AuditVerify(const Principal& who);

  // Records a config reload (applied or refused) in the audit log.
  absl::Status RecordReload(const std::string& detail);
  // Records a refused connection or call in the audit log.
  absl::Status RecordRefusal(const std::string& identity,
                             const std::string& reason);

  // Marks indicators whose validity has ended as expired (one change-log
  // entry each). Returns how many were expired.
  absl::StatusOr<int> ExpireDue();

  // Wakes every WaitForChanges() caller; later waits return at once.
  void Shutdown();
  bool stopping();

  // Whether `who` may perform `action` on this node (PermissionDenied
  // otherwise, reported to the events).
  absl::Status Allow(const Principal& who, Action action);

  const std::string& org() const { return options_.org; }
  // Where this node reports what it does (never null).
  NodeEvents& events() { return *events_; }

 private:
  Node(NodeOptions options, Store* store, Clock* clock);

  std::shared_ptr<const SharingPolicy> policy();
  absl::StatusOr<v1::Indicator> GetAs(const Principal& who,
                                      const std::string& id, Action action);

  // The indicator as `who` may see it, or nullopt when it is not visible.
  std::optional<v1::Indicator> View(const Principal& who,
                                    const v1::Indicator& ind,
                                    const SharingPolicy& policy,
                                    absl::Time now) const;
  std::optional<v1::Indicator> View(const Principal& who,
                                    const v1::Indicator& ind);
  // A page of the feed as `who` may see it, before it is encoded. Exactly
  // one of `stored` (the entries as stored: what this node's own principals
  // see) and `shaped` (the entries as made for a partner) is filled.
  struct FeedPage {
    std::vector<ChangeRecord> stored;
    std::vector<v1::FeedEntry> shaped;
    std::string cursor;
    bool more = false;
  };
  // What Pull and PullEncoded serve; a partner's entries are recorded as
  // delivered before it returns.
  absl::StatusOr<FeedPage> ReadPage(const Principal& who,
                                    const std::string& cursor, uint32_t limit);
  // A feed entry as `who` may see it. A revocation or expiry of an indicator
  // the partner may no longer see in full still reaches it as a tombstone
  // (id and state only) when the partner holds it (HeldBy), so that what it
  // received earlier is withdrawn; a partner that never received it learns
  // nothing. So does a change that hides the indicator from a recorded
  // holder, as a revocation tombstone. An older version of an indicator
  // whose current version (`current`, null when the entry is current) the
  // partner may not see is not served either. `agreement` is set to the id
  // of the agreement that let the entry go. `page` holds what the page
  // has served so far and gains this entry.
  struct PageServed {
    // Ids withdrawn earlier in the page: a withdrawal goes once.
    absl::flat_hash_set<std::string> withdrawn;
    // Ids served in full earlier in the page: the partner holds them even
    // though its deliveries are recorded only once the page is read, so a
    // hiding change read by a later scan of the page withdraws them.
    absl::flat_hash_set<std::string> shown;
  };
  absl::StatusOr<std::optional<v1::FeedEntry>> ViewEntry(
      const Principal& who, v1::FeedEntry entry, const v1::Indicator* current,
      const SharingPolicy& policy, absl::Time now, std::string* agreement,
      PageServed* page);
  // The stored (current) version of the indicators of upsert and sighting
  // entries that are not their current version, by id (an entry that is
  // has none: ViewEntry's `current` is then null).
  absl::StatusOr<absl::flat_hash_map<std::string, v1::Indicator>>
  CurrentVersions(const std::vector<v1::FeedEntry>& entries);
  // Whether partner `org` was served `ind` in full (or may have been: before
  // deliveries were recorded).
  absl::StatusOr<bool> HeldBy(const std::string& org, const v1::Indicator& ind);
  // Records what went out to a partner: the indicators it now holds (not
  // the withdrawals) and one audit record naming them, where they stand in
  // the feed (`position`) and the agreements.
  absl::Status RecordDeliveries(const Principal& who,
                                absl::Span<const v1::Indicator* const> served,
                                absl::string_view position,
                                absl::Span<const std::string> agreements);
  absl::Status AppendAudit(Transaction& txn, absl::string_view kind,
                           const Principal* who,
                           const std::string& principal_text,
                           std::string detail);
  struct PendingSubmit;
  // Applies a group of submissions in one transaction and commits it;
  // returns the ticket that Store::AwaitDurable() waits on.
  absl::StatusOr<uint64_t> ApplySubmissions(
      absl::Span<GroupCommit::Member* const> group);
  absl::Status ApplySubmit(Transaction& txn, absl::Time now, PendingSubmit& p);
  // Commits and publishes the new head to waiting subscribers.
  absl::Status CommitAndPublish(Transaction& txn, uint64_t last_seq);
  // Raises the feed head that subscribers wait on to `durable_seq`.
  void Publish(uint64_t durable_seq);
  absl::StatusOr<v1::Indicator> ChangeOne(const Principal& who,
                                          const std::string& id,
                                          v1::ChangeOp op,
                                          const std::string& reason,
                                          uint32_t count);

  const NodeOptions options_;
  NodeEvents* const events_;  // options_.events, or one that ignores them
  Store* const store_;
  Clock* const clock_;
  const absl::Time started_;
  // Store::DeliveriesRecordedSince(), read once at Create().
  absl::Time deliveries_since_ = absl::InfinitePast();
  TokenCodec tokens_{""};  // with Store::TokenKey() from Create() on

  absl::Mutex policy_mu_;
  std::shared_ptr<const SharingPolicy> policy_ ABSL_GUARDED_BY(policy_mu_);
  std::shared_ptr<const Warninglists> warninglists_ ABSL_GUARDED_BY(policy_mu_);

  RateLimiter submit_limiter_;
  RateLimiter query_limiter_;
  std::atomic<int64_t> report_interval_ms_{60000};

  // Concurrent submissions share transactions (and fsyncs), as many as the
  // sizer allows.
  GroupSizer group_sizer_;
  GroupCommit group_commit_{kMaxGroupItems};

  absl::Mutex head_mu_;
  uint64_t head_ ABSL_GUARDED_BY(head_mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(head_mu_) = false;
};

class Node::PreparedSubmit {
 public:
  PreparedSubmit();
  PreparedSubmit(PreparedSubmit&&) noexcept;
  PreparedSubmit& operator=(PreparedSubmit&&) noexcept;
  ~PreparedSubmit();

  // Appends the requests of `other` (committed after these, in order).
  void Absorb(PreparedSubmit other);
  size_t items() const { return items_; }
  size_t requests() const;

 private:
  friend class Node;
  std::vector<PendingSubmit> pending_;  // one per request, in order
  size_t items_ = 0;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_NODE_H_
