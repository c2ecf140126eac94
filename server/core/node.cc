#include "server/core/node.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/canonical.h"
#include "common/ip_address.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/tlp.h"
#include "common/withdrawal.h"
#include "server/core/audit_chain.h"
#include "server/core/ids.h"
#include "server/core/indicator_builder.h"

namespace csx {
namespace {

constexpr uint32_t kDefaultQueryLimit = 100;
constexpr uint32_t kDefaultPullLimit = 1000;
// A pull scans at most this many batches to find visible entries, so that a
// principal that sees little of the log still makes progress per call.
constexpr int kMaxPullScans = 8;
constexpr int kExpiryBatch = 1000;

// Marks a partner's copy held here withdrawn: kept, revoked (with `reason`
// unless it already was), and never passed on (SharingPolicy::Share).
void MarkWithdrawn(absl::string_view reason, v1::Indicator& copy) {
  if (copy.withdrawn()) return;
  copy.set_withdrawn(true);
  if (!copy.revoked()) copy.set_revoked_reason(std::string(reason));
  copy.set_revoked(true);
}

// Accept rules that refuse a newer version because its origin has
// restricted it since (its TLP raised above the terms, to RED...).
bool RestrictedByOrigin(Rule rule) {
  return rule == Rule::kTlpAboveMax || rule == Rule::kRedNeverLeaves ||
         rule == Rule::kTypeNotShared;
}

// Replaces the warnings of `ind` with this submission's warninglist hits.
void SetWarnings(const std::vector<WarninglistHit>& hits, v1::Indicator& ind) {
  ind.clear_warnings();
  for (const auto& h : hits) *ind.add_warnings() = h.warning;
}

// (type, canonical value) for every type `raw` is a valid value of: a
// stored value is canonical, so these are the only keys it can be stored
// under.
std::vector<std::pair<v1::IndicatorType, std::string>> TypedCandidates(
    absl::string_view raw) {
  std::vector<std::pair<v1::IndicatorType, std::string>> out;
  for (int t = v1::IndicatorType_MIN + 1; t <= v1::IndicatorType_MAX; ++t) {
    const auto type = static_cast<v1::IndicatorType>(t);
    auto c = Canonicalize(type, raw);
    if (c.ok()) out.emplace_back(type, *std::move(c));
  }
  return out;
}

NodeEvents& IgnoredEvents() {
  static NodeEvents* const events = new NodeEvents();
  return *events;
}

}  // namespace

absl::Status Node::Allow(const Principal& who, Action action) {
  absl::Status s = Authorize(who, options_.org, action);
  if (!s.ok()) events_->Refused("permission", 1);
  return s;
}

Node::Node(NodeOptions options, Store* store, Clock* clock)
    : options_(std::move(options)),
      events_(options_.events != nullptr ? options_.events : &IgnoredEvents()),
      store_(store),
      clock_(clock),
      started_(clock->Now()),
      policy_(std::make_shared<const SharingPolicy>(
          options_.org, std::make_shared<const AgreementSet>())),
      submit_limiter_(clock, RateLimits().submit_per_second,
                      RateLimits().submit_burst),
      query_limiter_(clock, RateLimits().query_per_second,
                     RateLimits().query_burst),
      group_sizer_(kMinGroupItems, kMaxGroupItems, store->WriteCachePages()) {}

void Node::SetRateLimits(const RateLimits& limits) {
  submit_limiter_.Configure(limits.submit_per_second, limits.submit_burst);
  query_limiter_.Configure(limits.query_per_second, limits.query_burst);
  report_interval_ms_ = absl::ToInt64Milliseconds(limits.report_interval);
}

absl::Status Node::CheckRate(const Principal& who, RateClass cls, double cost) {
  RateLimiter& limiter =
      cls == RateClass::kSubmit ? submit_limiter_ : query_limiter_;
  const std::string key = who.ToString();
  if (limiter.Allow(key, cost)) return absl::OkStatus();
  const char* what = cls == RateClass::kSubmit ? "submit" : "query";
  events_->Refused("rate_limit", 1);
  if (limiter.ShouldReport(key,
                           absl::Milliseconds(report_interval_ms_.load()))) {
    events_->RateLimited(key, what);
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("rate limit: ", key, " exceeds limits.", what,
                   "_rate of this node; retry later"));
}

void Node::SetAgreements(std::shared_ptr<const AgreementSet> agreements) {
  auto next = std::make_shared<const SharingPolicy>(options_.org,
                                                    std::move(agreements));
  absl::MutexLock lock(&policy_mu_);
  policy_ = std::move(next);
}

void Node::SetWarninglists(std::shared_ptr<const Warninglists> lists) {
  absl::MutexLock lock(&policy_mu_);
  warninglists_ = std::move(lists);
}

std::shared_ptr<const SharingPolicy> Node::policy() {
  absl::MutexLock lock(&policy_mu_);
  return policy_;
}

absl::StatusOr<std::unique_ptr<Node>> Node::Create(NodeOptions options,
                                                   Store* store, Clock* clock) {
  if (options.org.empty())
    return absl::InvalidArgumentError("node.org: required");
  std::unique_ptr<Node> node(new Node(std::move(options), store, clock));
  CSX_ASSIGN_OR_RETURN(node->deliveries_since_,
                       store->DeliveriesRecordedSince());
  CSX_ASSIGN_OR_RETURN(std::string key, store->TokenKey());
  node->tokens_ = TokenCodec(std::move(key));
  // Not Counts(): that counts every row, seconds at ten million.
  CSX_ASSIGN_OR_RETURN(uint64_t head, store->FeedHead());
  absl::MutexLock lock(&node->head_mu_);
  node->head_ = head;
  return node;
}

std::optional<v1::Indicator> Node::View(const Principal& who,
                                        const v1::Indicator& ind,
                                        const SharingPolicy& policy,
                                        absl::Time now) const {
  // Principals of this node's org see everything the node holds; a partner
  // org's principals see what its agreement admits, in the shared form.
  if (who.org == options_.org) return ind;
  Decision d = policy.Share(ind, who.org, now);
  if (!d.allowed) return std::nullopt;
  return policy.SharedForm(ind, d);
}

std::optional<v1::Indicator> Node::View(const Principal& who,
                                        const v1::Indicator& ind) {
  if (who.org == options_.org) return ind;
  return View(who, ind, *policy(), clock_->Now());
}

absl::StatusOr<std::optional<v1::FeedEntry>> Node::ViewEntry(
    const Principal& who, v1::FeedEntry entry, const v1::Indicator* current,
    const SharingPolicy& policy, absl::Time now, std::string* agreement,
    PageServed* page) {
  if (who.org == options_.org) return entry;
  const v1::Indicator& ind = entry.indicator();
  Decision d = policy.Share(ind, who.org, now);
  if (d.allowed) {
    // A version the origin has since restricted (TLP raised, sector
    // narrowed...) does not go out to a partner that does not hold it yet.
    // Nor one of a copy the node it came from has since withdrawn.
    if (current != nullptr &&
        (current->version() > ind.version() || current->withdrawn()) &&
        !policy.Share(*current, who.org, now).allowed) {
      return std::nullopt;
    }
    *agreement = d.terms->id;
    // Shown again after a withdrawal earlier in the page: a later hiding
    // change withdraws it again.
    page->shown.insert(ind.id());
    if (!page->withdrawn.empty()) page->withdrawn.erase(ind.id());
    policy.Shape(*entry.mutable_indicator(), d);
    return entry;
  }
  // Rules that an indicator shared earlier can come to fail by a later
  // change (TLP raised, confidence lowered, age) or a narrowed agreement.
  const bool withdrawable =
      d.rule == Rule::kTlpAboveMax || d.rule == Rule::kTypeNotShared ||
      d.rule == Rule::kSectorNotShared || d.rule == Rule::kBelowMinConfidence ||
      d.rule == Rule::kTooOld;
  // And those of a TLP raised to RED or, for data passed on, above GREEN.
  // For these, as for a change that hides the indicator, only a recorded
  // holder is one: HeldBy's assumption for what a store from before the
  // delivery records may have served would tell every partner of them.
  const bool recorded_only = d.rule == Rule::kRedNeverLeaves ||
                             d.rule == Rule::kOnwardNotGreen ||
                             d.rule == Rule::kWithdrawn;
  // Once per page: the partner's copy is already withdrawn.
  if (!(withdrawable || recorded_only) || page->withdrawn.contains(ind.id())) {
    return std::nullopt;
  }
  // A change that hides the indicator from a partner that holds it (TLP
  // raised, confidence lowered...) withdraws it there as a revocation: the
  // partner may keep nothing that its agreement no longer lets it see. Not
  // when a later version of the indicator is visible to it again. The
  // partner stays recorded as a holder, so that a page lost on its way
  // (a retry from the same cursor) brings the withdrawal again; a later
  // change while the indicator stays hidden does too.
  const bool hidden_by_change = entry.op() == v1::OP_UPSERT;
  bool held = false;
  if (hidden_by_change) {
    // A first version that is hidden was not shown under these terms: a
    // feed full of RED or AMBER+STRICT creations costs no lookups.
    if (ind.version() <= 1) return std::nullopt;
    if (current != nullptr && current->version() > ind.version() &&
        policy.Share(*current, who.org, now).allowed) {
      return std::nullopt;
    }
    held = page->shown.contains(ind.id());
    if (!held) {
      CSX_ASSIGN_OR_RETURN(held, store_->Delivered(who.org, ind.id()));
    }
    entry.set_op(v1::OP_REVOKE);
  } else if (entry.op() == v1::OP_REVOKE || entry.op() == v1::OP_EXPIRE) {
    if (recorded_only) {
      CSX_ASSIGN_OR_RETURN(held, store_->Delivered(who.org, ind.id()));
    } else {
      CSX_ASSIGN_OR_RETURN(held, HeldBy(who.org, ind));
    }
  }
  if (!held) return std::nullopt;
  *agreement = d.terms->id;
  page->withdrawn.insert(ind.id());
  v1::Indicator tombstone;
  tombstone.set_id(ind.id());
  tombstone.set_type(ind.type());  // the STIX id depends on it
  tombstone.set_revoked(ind.revoked() || hidden_by_change);
  // Withdrawn: the partner's node keeps its copy from its own partners.
  tombstone.set_withdrawn(hidden_by_change || ind.withdrawn());
  tombstone.set_expired(ind.expired());
  tombstone.set_version(ind.version());
  *tombstone.mutable_modified() = ind.modified();
  *entry.mutable_indicator() = std::move(tombstone);
  return entry;
}

absl::StatusOr<absl::flat_hash_map<std::string, v1::Indicator>>
Node::CurrentVersions(const std::vector<v1::FeedEntry>& entries) {
  auto versioned = [](const v1::FeedEntry& e) {
    return e.op() == v1::OP_UPSERT || e.op() == v1::OP_SIGHTING;
  };
  auto sort_unique = [](std::vector<std::string>& ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  };
  std::vector<std::string> ids;
  for (const v1::FeedEntry& e : entries) {
    if (versioned(e)) ids.push_back(e.indicator().id());
  }
  sort_unique(ids);
  // An entry that is its indicator's current version needs no second read:
  // only the indicators changed since one of their entries are read (none,
  // mostly, for a partner catching up).
  CSX_ASSIGN_OR_RETURN(auto seqs, store_->CurrentSeqs(ids));
  ids.clear();
  for (const v1::FeedEntry& e : entries) {
    if (!versioned(e)) continue;
    auto it = seqs.find(e.indicator().id());
    if (it != seqs.end() && it->second != e.seq()) ids.push_back(it->first);
  }
  sort_unique(ids);
  CSX_ASSIGN_OR_RETURN(std::vector<v1::Indicator> found, store_->GetMany(ids));
  absl::flat_hash_map<std::string, v1::Indicator> out;
  out.reserve(found.size());
  for (v1::Indicator& ind : found) {
    std::string id = ind.id();
    out.emplace(std::move(id), std::move(ind));
  }
  return out;
}

absl::StatusOr<bool> Node::HeldBy(const std::string& org,
                                  const v1::Indicator& ind) {
  if (FromProto(ind.created()) < deliveries_since_) return true;
  return store_->Delivered(org, ind.id());
}

absl::Status Node::RecordDeliveries(
    const Principal& who, absl::Span<const v1::Indicator* const> served,
    absl::string_view position, absl::Span<const std::string> agreements) {
  std::vector<absl::string_view> ids;
  ids.reserve(served.size());
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  for (const v1::Indicator* ind : served) {
    ids.push_back(ind->id());
    if (!IsWithdrawal(*ind)) {
      CSX_RETURN_IF_ERROR(txn->RecordDelivery(who.org, ind->id()));
    }
  }
  CSX_RETURN_IF_ERROR(AppendAudit(
      *txn, "delivery", &who, "",
      absl::StrCat("partner=", who.org, " agreement=",
                   absl::StrJoin(agreements, ","), " entries=", served.size(),
                   " ", position, " ids=", absl::StrJoin(ids, ","))));
  return txn->Commit();
}

absl::Status Node::AppendAudit(Transaction& txn, absl::string_view kind,
                               const Principal* who,
                               const std::string& principal_text,
                               std::string detail) {
  AuditRecord rec;
  rec.time = clock_->Now();
  rec.kind = std::string(kind);
  rec.principal = who ? who->ToString() : principal_text;
  rec.detail = std::move(detail);
  CSX_ASSIGN_OR_RETURN(rec.prev_hash, txn.LastAuditHash());
  rec.hash = AuditHash(rec);
  return txn.AppendAudit(rec);
}

absl::Status Node::CommitAndPublish(Transaction& txn, uint64_t last_seq) {
  CSX_RETURN_IF_ERROR(txn.Commit());
  Publish(last_seq);
  return absl::OkStatus();
}

void Node::Publish(uint64_t durable_seq) {
  if (durable_seq == 0) return;
  absl::MutexLock lock(&head_mu_);
  head_ = std::max(head_, durable_seq);
}

// One request on its way through the group commit: validated outside any
// lock, applied by whichever thread leads its group.
struct Node::PendingSubmit {
  const Principal* who = nullptr;
  std::vector<absl::StatusOr<ValidInput>> inputs;
  std::vector<std::vector<WarninglistHit>> hits;
  // The id each valid input gets if it is new (made before the commit).
  std::vector<std::string> new_ids;
  uint64_t warninglisted = 0;
  v1::SubmitResponse response;
};

Node::PreparedSubmit::PreparedSubmit() = default;
Node::PreparedSubmit::PreparedSubmit(PreparedSubmit&&) noexcept = default;
Node::PreparedSubmit& Node::PreparedSubmit::operator=(
    PreparedSubmit&&) noexcept = default;
Node::PreparedSubmit::~PreparedSubmit() = default;

size_t Node::PreparedSubmit::requests() const { return pending_.size(); }

void Node::PreparedSubmit::Absorb(PreparedSubmit other) {
  for (PendingSubmit& p : other.pending_) pending_.push_back(std::move(p));
  items_ += other.items_;
}

absl::StatusOr<v1::SubmitResponse> Node::Submit(
    const Principal& who, const v1::SubmitRequest& request) {
  const v1::SubmitRequest* one[] = {&request};
  CSX_ASSIGN_OR_RETURN(std::vector<v1::SubmitResponse> r, SubmitAll(who, one));
  return std::move(r[0]);
}

absl::StatusOr<std::vector<v1::SubmitResponse>> Node::SubmitAll(
    const Principal& who, absl::Span<const v1::SubmitRequest* const> requests) {
  CSX_ASSIGN_OR_RETURN(PreparedSubmit batch, PrepareSubmit(who, requests));
  return CommitSubmit(std::move(batch));
}

absl::StatusOr<Node::PreparedSubmit> Node::PrepareSubmit(
    const Principal& who, absl::Span<const v1::SubmitRequest* const> requests) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kSubmit));
  std::shared_ptr<const Warninglists> lists;
  {
    absl::MutexLock lock(&policy_mu_);
    lists = warninglists_;
  }
  PreparedSubmit batch;
  batch.pending_.resize(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    const v1::SubmitRequest& request = *requests[r];
    PendingSubmit& p = batch.pending_[r];
    p.who = &who;
    const int n = request.items_size();
    if (n == 0) return absl::InvalidArgumentError("items: the batch is empty");
    if (static_cast<uint32_t>(n) > options_.max_batch_items) {
      return absl::ResourceExhaustedError(
          absl::StrCat("items: ", n, " items in one request, at most ",
                       options_.max_batch_items));
    }
    batch.items_ += static_cast<size_t>(n);
    p.inputs.reserve(n);
    p.hits.resize(n);
    p.new_ids.resize(n);
    for (int i = 0; i < n; ++i) {
      p.inputs.push_back(ValidateInput(request.items(i)));
      if (!p.inputs[i].ok()) continue;
      p.new_ids[i] = NewUuid();
      if (!lists) continue;
      p.hits[i] = lists->Check(p.inputs[i]->type, p.inputs[i]->value);
      for (const auto& h : p.hits[i]) {
        if (h.refuse) {
          ++p.warninglisted;
          p.inputs[i] = absl::InvalidArgumentError(absl::StrCat(
              "value: '", h.warning.detail(), "' is on warninglist '",
              h.warning.list(), "', which this node refuses"));
          break;
        }
      }
    }
  }
  CSX_RETURN_IF_ERROR(
      CheckRate(who, RateClass::kSubmit, static_cast<double>(batch.items_)));
  return batch;
}

absl::StatusOr<std::vector<v1::SubmitResponse>> Node::CommitSubmit(
    PreparedSubmit batch, absl::Notification* applied) {
  GroupCommit::Member member;
  member.items = batch.items_;
  member.data = &batch.pending_;
  member.applied = applied;
  CSX_RETURN_IF_ERROR(group_commit_.Join(
      member,
      [this](absl::Span<GroupCommit::Member* const> group) {
        return ApplySubmissions(group);
      },
      [this](uint64_t ticket) -> absl::Status {
        CSX_ASSIGN_OR_RETURN(uint64_t durable, store_->AwaitDurable(ticket));
        Publish(durable);
        return absl::OkStatus();
      }));
  std::vector<v1::SubmitResponse> out;
  out.reserve(batch.pending_.size());
  for (PendingSubmit& p : batch.pending_) {
    events_->Submitted(p.response.created(), p.response.merged(),
                       p.response.rejected() - p.warninglisted,
                       p.warninglisted);
    out.push_back(std::move(p.response));
  }
  return out;
}

bool Node::Overflows(const PreparedSubmit& batch,
                     const PreparedSubmit& next) const {
  return batch.requests() > 0 && batch.items() + next.items() > MaxGroupItems();
}

absl::StatusOr<uint64_t> Node::ApplySubmissions(
    absl::Span<GroupCommit::Member* const> group) {
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  const absl::Time now = clock_->Now();
  size_t items = 0;
  for (GroupCommit::Member* m : group) {
    items += m->items;
    for (PendingSubmit& p :
         *static_cast<std::vector<PendingSubmit>*>(m->data)) {
      CSX_RETURN_IF_ERROR(ApplySubmit(*txn, now, p));
    }
  }
  // Published once durable (the group commit's second step).
  CSX_ASSIGN_OR_RETURN(const uint64_t ticket, txn->CommitUnsynced());
  group_sizer_.Observe(items, txn->Pages().written);
  group_commit_.set_max_items(group_sizer_.Limit());
  return ticket;
}

absl::Status Node::ApplySubmit(Transaction& txn, absl::Time now,
                               PendingSubmit& p) {
  const Principal& who = *p.who;
  v1::SubmitResponse& response = p.response;
  std::vector<std::string> ids;
  bool expect_new = true;
  const int n = static_cast<int>(p.inputs.size());
  for (int i = 0; i < n; ++i) {
    v1::SubmitResult* result = response.add_results();
    result->set_index(i);
    if (!p.inputs[i].ok()) {
      result->set_outcome(v1::OUTCOME_REJECTED);
      result->set_error(std::string(p.inputs[i].status().message()));
      response.set_rejected(response.rejected() + 1);
      continue;
    }
    const ValidInput& in = *p.inputs[i];
    std::optional<v1::Indicator> existing;
    v1::Indicator ind;
    bool stored = false;
    // While the values of a submission are new, each is stored by an insert
    // that does nothing if the value exists; after a value that existed, each
    // is looked up first, as a resubmitted list merges value after value.
    if (expect_new) {
      ind = NewIndicator(in, p.new_ids[i], options_.org, who.name, now);
      SetWarnings(p.hits[i], ind);
      CSX_ASSIGN_OR_RETURN(auto seq, txn.PutIfNew(v1::OP_UPSERT, now, ind));
      stored = seq.has_value();
    }
    if (!stored) {
      CSX_ASSIGN_OR_RETURN(existing,
                           txn.FindByKey(in.type, in.value, options_.org));
      ind = existing ? Merge(*existing, in, now)
                     : NewIndicator(in, std::move(p.new_ids[i]), options_.org,
                                    who.name, now);
      SetWarnings(p.hits[i], ind);
      CSX_RETURN_IF_ERROR(txn.PutVersion(v1::OP_UPSERT, now, ind).status());
    }
    expect_new = !existing.has_value();
    result->set_outcome(existing ? v1::OUTCOME_MERGED : v1::OUTCOME_CREATED);
    result->set_id(ind.id());
    *result->mutable_warnings() = ind.warnings();
    if (existing) {
      response.set_merged(response.merged() + 1);
    } else {
      response.set_created(response.created() + 1);
    }
    ids.push_back(ind.id());
  }
  if (ids.empty()) return absl::OkStatus();
  return AppendAudit(txn, "submit", &who, "",
                     absl::StrCat("created=", response.created(),
                                  " merged=", response.merged(),
                                  " rejected=", response.rejected(),
                                  " ids=", absl::StrJoin(ids, ",")));
}

absl::StatusOr<v1::Indicator> Node::Get(const Principal& who,
                                        const std::string& id) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kGet));
  CSX_RETURN_IF_ERROR(CheckRate(who, RateClass::kQuery));
  return GetAs(who, id, Action::kGet);
}

absl::StatusOr<v1::Indicator> Node::GetFromFeed(const Principal& who,
                                                const std::string& id) {
  return GetAs(who, id, Action::kPull);
}

absl::StatusOr<v1::Indicator> Node::ServeFromFeed(const Principal& who,
                                                  const std::string& id) {
  CSX_ASSIGN_OR_RETURN(v1::Indicator shown, GetFromFeed(who, id));
  if (who.org != options_.org) {
    const AgreementTerms* terms =
        policy()->agreements().InForce(who.org, clock_->Now());
    const std::string agreement = terms ? terms->id : "";
    const v1::Indicator* served[] = {&shown};
    CSX_RETURN_IF_ERROR(RecordDeliveries(who, served, "object",
                                         absl::MakeConstSpan(&agreement, 1)));
  }
  return shown;
}

absl::StatusOr<v1::Indicator> Node::GetAs(const Principal& who,
                                          const std::string& id,
                                          Action action) {
  CSX_RETURN_IF_ERROR(Allow(who, action));
  if (!IsUuid(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("id: '", id, "' is not a UUID"));
  }
  auto ind = store_->Get(id);
  if (!ind.ok()) return ind.status();
  auto view = View(who, *ind);
  if (!view) return absl::NotFoundError(absl::StrCat("id: no indicator ", id));
  return *std::move(view);
}

absl::StatusOr<v1::QueryResponse> Node::Query(const Principal& who,
                                              const v1::QueryRequest& req) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kQuery));
  CSX_RETURN_IF_ERROR(CheckRate(who, RateClass::kQuery));
  QueryFilter f;
  if (!req.type().empty()) {
    CSX_ASSIGN_OR_RETURN(f.type, ParseIndicatorType(req.type()));
  }
  bool matches_nothing = false;
  if (!req.value().empty()) {
    if (f.type != v1::TYPE_UNSPECIFIED) {
      CSX_ASSIGN_OR_RETURN(std::string v, Canonicalize(f.type, req.value()));
      f.typed_values.emplace_back(f.type, std::move(v));
    } else {
      f.typed_values = TypedCandidates(req.value());
      matches_nothing = f.typed_values.empty();  // a value of no type
    }
  }
  if (!req.contains_ip().empty()) {
    auto covering = CoveringValuesOf(req.contains_ip());
    if (!covering.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("contains_ip: '", req.contains_ip(),
                       "' is not an IP address or CIDR"));
    }
    f.covering = *std::move(covering);
  }
  f.tag = std::string(absl::StripAsciiWhitespace(req.tag()));
  f.sector = absl::AsciiStrToLower(absl::StripAsciiWhitespace(req.sector()));
  // A partner filters on the origin it is shown (hide_source may replace
  // the real one), never on the stored origin.
  const bool own = who.org == options_.org;
  const std::string origin(absl::StripAsciiWhitespace(req.origin()));
  if (own) f.origin = origin;
  if (IsSet(req.modified_since()))
    f.modified_since = FromProto(req.modified_since());
  f.include_revoked = req.include_revoked();
  if (req.limit() > options_.max_query_limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: at most ", options_.max_query_limit));
  }
  f.limit =
      static_cast<int>(req.limit() == 0 ? kDefaultQueryLimit : req.limit());
  CSX_ASSIGN_OR_RETURN(uint64_t after_row,
                       tokens_.Open(TokenCodec::Kind::kPageToken,
                                    req.page_token(), "page_token"));
  f.after_row = static_cast<int64_t>(after_row);
  if (matches_nothing) return v1::QueryResponse();

  // Rows the caller may not see are skipped until the page is full, and a
  // next-page token is given only when a visible row follows: a partner's
  // pages never reveal that hidden rows matched.
  v1::QueryResponse response;
  auto policy = this->policy();
  const absl::Time now = clock_->Now();
  const int limit = f.limit;
  int64_t resume_after = f.after_row;
  bool more = false;
  for (int scan = 0; scan < kMaxPullScans && !more; ++scan) {
    CSX_ASSIGN_OR_RETURN(QueryPage page, store_->Query(f));
    for (size_t i = 0; i < page.indicators.size(); ++i) {
      auto view = View(who, page.indicators[i], *policy, now);
      if (!view || (!own && !origin.empty() && view->origin() != origin))
        continue;
      if (response.indicators_size() == limit) {
        more = true;  // a visible row beyond this page
        break;
      }
      *response.add_indicators() = *std::move(view);
      resume_after = page.rows[i];
    }
    if (more || !page.more) break;
    f.after_row = page.last_row;
    if (scan == kMaxPullScans - 1) {
      // Bounded work per call: resume the scan on the next page.
      more = true;
      resume_after = page.last_row;
    }
  }
  if (more) {
    response.set_next_page_token(tokens_.Seal(
        TokenCodec::Kind::kPageToken, static_cast<uint64_t>(resume_after)));
  }
  return response;
}

absl::StatusOr<v1::Indicator> Node::ChangeOne(const Principal& who,
                                              const std::string& id,
                                              v1::ChangeOp op,
                                              const std::string& reason,
                                              uint32_t count) {
  if (!IsUuid(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("id: '", id, "' is not a UUID"));
  }
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  CSX_ASSIGN_OR_RETURN(auto found, txn->FindById(id));
  if (!found || !View(who, *found)) {
    return absl::NotFoundError(absl::StrCat("id: no indicator ", id));
  }
  v1::Indicator ind = *std::move(found);
  const absl::Time now = clock_->Now();
  std::string detail;
  if (op == v1::OP_REVOKE) {
    if (ind.origin() != options_.org) {
      return absl::FailedPreconditionError(
          absl::StrCat("id: indicator ", id, " comes from ", ind.origin(),
                       "; only its origin can revoke it"));
    }
    if (ind.revoked()) return *View(who, ind);
    ind.set_revoked(true);
    ind.set_revoked_reason(reason);
    detail = absl::StrCat("id=", id, " reason=", reason);
  } else {
    ind.set_sighting_count(ind.sighting_count() + count);
    *ind.mutable_last_sighting() = ToProto(now);
    if (now > FromProto(ind.last_seen()))
      *ind.mutable_last_seen() = ToProto(now);
    detail = absl::StrCat("id=", id, " count=", count);
  }
  *ind.mutable_modified() = ToProto(now);
  // Versions of a received indicator are its origin's: a local sighting
  // does not advance them, so that later updates from the origin apply.
  if (ind.origin() == options_.org) ind.set_version(ind.version() + 1);
  CSX_ASSIGN_OR_RETURN(uint64_t seq, txn->PutVersion(op, now, ind));
  if (op == v1::OP_SIGHTING && ind.origin() != options_.org) {
    // Report it back towards the origin when the agreement says so.
    auto policy = this->policy();
    const std::string from(policy->ArrivedFrom(ind));
    const AgreementTerms* terms = policy->agreements().InForce(from, now);
    if (terms != nullptr && terms->accept.report_sightings) {
      CSX_RETURN_IF_ERROR(txn->EnqueueSighting(from, ind.id(), count));
    }
  }
  CSX_RETURN_IF_ERROR(AppendAudit(*txn,
                                  op == v1::OP_REVOKE ? "revoke" : "sighting",
                                  &who, "", std::move(detail)));
  CSX_RETURN_IF_ERROR(CommitAndPublish(*txn, seq));
  return *View(who, ind);
}

absl::StatusOr<v1::Indicator> Node::Revoke(const Principal& who,
                                           const std::string& id,
                                           const std::string& reason) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kRevoke));
  if (reason.size() > 1024) {
    return absl::InvalidArgumentError("reason: longer than 1024 bytes");
  }
  return ChangeOne(who, id, v1::OP_REVOKE, reason, 0);
}

absl::StatusOr<v1::Indicator> Node::Sight(const Principal& who,
                                          const std::string& id,
                                          uint32_t count) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kSight));
  if (count == 0) count = 1;
  if (count > 1000000)
    return absl::InvalidArgumentError("count: at most 1000000");
  return ChangeOne(who, id, v1::OP_SIGHTING, "", count);
}

absl::StatusOr<Node::FeedPage> Node::ReadPage(const Principal& who,
                                              const std::string& cursor,
                                              uint32_t limit) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kPull));
  if (limit > options_.max_pull_limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: at most ", options_.max_pull_limit));
  }
  if (limit == 0) limit = kDefaultPullLimit;
  CSX_ASSIGN_OR_RETURN(uint64_t seq, CursorPosition(cursor));
  FeedPage page;
  if (who.org == options_.org) {
    // This node's own principals see every entry as it is stored.
    CSX_ASSIGN_OR_RETURN(
        page.stored, store_->ReadChangeRecords(seq, static_cast<int>(limit)));
    page.more = page.stored.size() == limit;
    if (!page.stored.empty()) seq = page.stored.back().seq;
    page.cursor = tokens_.Seal(TokenCodec::Kind::kCursor, seq);
    if (!page.stored.empty()) events_->Served(who.org, page.stored.size());
    return page;
  }
  auto policy = this->policy();
  const absl::Time now = clock_->Now();
  std::vector<std::string> agreements;  // that let the entries go
  PageServed served_so_far;
  for (int scan = 0; scan < kMaxPullScans; ++scan) {
    const uint32_t want = limit - static_cast<uint32_t>(page.shaped.size());
    CSX_ASSIGN_OR_RETURN(auto entries,
                         store_->ReadChanges(seq, static_cast<int>(want)));
    page.more = entries.size() == want;
    CSX_ASSIGN_OR_RETURN(auto current, CurrentVersions(entries));
    for (auto& e : entries) {
      seq = e.seq();
      auto it = current.find(e.indicator().id());
      std::string agreement;
      CSX_ASSIGN_OR_RETURN(
          auto view, ViewEntry(who, std::move(e),
                               it == current.end() ? nullptr : &it->second,
                               *policy, now, &agreement, &served_so_far));
      if (!view) continue;
      page.shaped.push_back(*std::move(view));
      if (!agreement.empty() && std::find(agreements.begin(), agreements.end(),
                                          agreement) == agreements.end()) {
        agreements.push_back(std::move(agreement));
      }
    }
    if (!page.more || page.shaped.size() == limit) break;
  }
  page.cursor = tokens_.Seal(TokenCodec::Kind::kCursor, seq);
  if (!page.shaped.empty()) {
    // Recorded before the entries leave: a revocation served later finds
    // every holder.
    std::vector<const v1::Indicator*> served;
    served.reserve(page.shaped.size());
    for (const auto& e : page.shaped) served.push_back(&e.indicator());
    CSX_RETURN_IF_ERROR(
        RecordDeliveries(who, served,
                         absl::StrCat("seq=", page.shaped.front().seq(), "..",
                                      page.shaped.back().seq()),
                         agreements));
    events_->Served(who.org, page.shaped.size());
  }
  return page;
}

absl::StatusOr<v1::PullResponse> Node::Pull(const Principal& who,
                                            const std::string& cursor,
                                            uint32_t limit) {
  CSX_ASSIGN_OR_RETURN(FeedPage page, ReadPage(who, cursor, limit));
  v1::PullResponse response;
  response.mutable_entries()->Reserve(
      static_cast<int>(page.stored.size() + page.shaped.size()));
  for (const ChangeRecord& r : page.stored) {
    CSX_RETURN_IF_ERROR(DecodeChange(r, response.add_entries()));
  }
  for (v1::FeedEntry& e : page.shaped) *response.add_entries() = std::move(e);
  response.set_cursor(std::move(page.cursor));
  response.set_more(page.more);
  return response;
}

absl::StatusOr<v1::wire::PullResponse> Node::PullEncoded(
    const Principal& who, const std::string& cursor, uint32_t limit) {
  CSX_ASSIGN_OR_RETURN(FeedPage page, ReadPage(who, cursor, limit));
  v1::wire::PullResponse response;
  response.mutable_entries()->Reserve(
      static_cast<int>(page.stored.size() + page.shaped.size()));
  for (ChangeRecord& r : page.stored) {
    CSX_RETURN_IF_ERROR(CheckEncoding(r));
    v1::wire::FeedEntry* e = response.add_entries();
    e->set_seq(r.seq);
    e->set_op(r.op);
    *e->mutable_time() = ToProto(r.time);
    e->set_indicator(std::move(r.indicator));
  }
  for (const v1::FeedEntry& shaped : page.shaped) {
    v1::wire::FeedEntry* e = response.add_entries();
    e->set_seq(shaped.seq());
    e->set_op(shaped.op());
    *e->mutable_time() = shaped.time();
    shaped.indicator().SerializeToString(e->mutable_indicator());
  }
  response.set_cursor(std::move(page.cursor));
  response.set_more(page.more);
  return response;
}

absl::StatusOr<std::string> Node::CursorAfter(absl::Time t) {
  uint64_t hi;
  {
    absl::MutexLock lock(&head_mu_);
    hi = head_;
  }
  // Binary search for the last entry committed at or before `t`.
  uint64_t lo = 0;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    CSX_ASSIGN_OR_RETURN(auto entries, store_->ReadChanges(mid - 1, 1));
    if (entries.empty()) {
      hi = mid - 1;
    } else if (FromProto(entries.front().time()) <= t) {
      lo = std::max(mid, entries.front().seq());
    } else {
      hi = mid - 1;
    }
  }
  return tokens_.Seal(TokenCodec::Kind::kCursor, lo);
}

absl::StatusOr<uint64_t> Node::CursorPosition(absl::string_view cursor) const {
  return tokens_.Open(TokenCodec::Kind::kCursor, cursor, "cursor");
}

uint64_t Node::WaitForChanges(uint64_t seq, absl::Time deadline) {
  absl::MutexLock lock(&head_mu_);
  auto ready = [this, seq]() ABSL_SHARED_LOCKS_REQUIRED(head_mu_) {
    return head_ > seq || shutdown_;
  };
  head_mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  return head_;
}

void Node::Shutdown() {
  absl::MutexLock lock(&head_mu_);
  shutdown_ = true;
}

bool Node::stopping() {
  absl::MutexLock lock(&head_mu_);
  return shutdown_;
}

absl::StatusOr<v1::StatusResponse> Node::Status(const Principal& who) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kAdmin));
  CSX_ASSIGN_OR_RETURN(StoreCounts c, store_->Counts());
  v1::StatusResponse r;
  r.set_org(options_.org);
  r.set_version(options_.version);
  *r.mutable_started() = ToProto(started_);
  r.set_indicators(c.indicators);
  r.set_active_indicators(c.active);
  r.set_feed_head(c.feed_head);
  r.set_audit_records(c.audit_records);
  r.set_store(store_->Describe());
  r.set_principal(who.ToString());
  return r;
}

absl::StatusOr<int> Node::ApplyFromPeer(const std::string& partner,
                                        const v1::PullResponse& batch) {
  auto policy = this->policy();
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  const absl::Time now = clock_->Now();
  uint64_t last_seq = 0;
  int applied = 0;
  uint64_t refused = 0;
  for (const v1::FeedEntry& entry : batch.entries()) {
    const v1::Indicator& in = entry.indicator();
    if (!IsUuid(in.id())) continue;
    CSX_ASSIGN_OR_RETURN(auto existing, txn->FindById(in.id()));
    if (existing && existing->origin() == options_.org) continue;  // ours
    v1::Indicator local;
    v1::ChangeOp op = entry.op();
    if (IsWithdrawal(in)) {
      // Withdraws what the partner sent earlier, if we hold it.
      if (!existing || !(in.revoked() || in.expired())) continue;
      local = *existing;
      if (in.withdrawn()) {
        // The partner may no longer share it with us.
        MarkWithdrawn(absl::StrCat("withdrawn by ", partner,
                                   ": no longer shared with this node"),
                      local);
      }
      local.set_revoked(local.revoked() || in.revoked());
      local.set_expired(local.expired() || in.expired());
    } else if (const Decision accept = policy->Accept(in, partner, now);
               !accept.allowed) {
      ++refused;
      // A newer version of a copy held here that our own accept terms
      // refuse: the copy is stale and its origin has restricted it since,
      // so it is withdrawn here as if the partner had withdrawn it.
      if (!RestrictedByOrigin(accept.rule) || !existing ||
          existing->withdrawn() || existing->version() >= in.version()) {
        continue;
      }
      local = *existing;
      MarkWithdrawn(absl::StrCat("withdrawn: a newer version from ", partner,
                                 " is refused by this node's accept terms (",
                                 SharingPolicy::RuleName(accept.rule), ")"),
                    local);
      op = v1::OP_REVOKE;
    } else {
      auto canonical = Canonicalize(in.type(), in.value());
      if (!canonical.ok() || *canonical != in.value() || in.origin().empty()) {
        continue;  // a peer never gets to store a value we would refuse
      }
      if (existing && existing->version() >= in.version() &&
          entry.op() == v1::OP_UPSERT) {
        continue;  // already held, e.g. arrived by another path
      }
      if (!existing) {
        CSX_ASSIGN_OR_RETURN(
            auto same_key, txn->FindByKey(in.type(), in.value(), in.origin()));
        if (same_key) continue;  // another id holds this key: keep the first
      }
      local = in;
      local.clear_reporter();
      local.add_path(options_.org);
    }
    CSX_ASSIGN_OR_RETURN(last_seq, txn->PutVersion(op, now, local));
    ++applied;
  }
  CSX_RETURN_IF_ERROR(txn->SetPeerCursor(partner, batch.cursor()));
  CSX_RETURN_IF_ERROR(CommitAndPublish(*txn, last_seq));
  events_->AppliedFromPeer(partner, static_cast<uint64_t>(applied), refused);
  if (refused > 0) events_->Refused("agreement", refused);
  return applied;
}

absl::Status Node::AckSighting(int64_t seq) {
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  CSX_RETURN_IF_ERROR(txn->DeleteSighting(seq));
  return txn->Commit();
}

absl::StatusOr<v1::AgreementsResponse> Node::Agreements(const Principal& who) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kAdmin));
  auto policy = this->policy();
  const absl::Time now = clock_->Now();
  v1::AgreementsResponse r;
  for (const AgreementTerms& a : policy->agreements().all()) {
    v1::AgreementInfo* info = r.add_agreements();
    info->set_id(a.id);
    info->set_partner(a.partner);
    info->set_title(a.title);
    *info->mutable_effective_from() = ToProto(a.effective_from);
    if (a.expires != absl::InfiniteFuture())
      *info->mutable_expires() = ToProto(a.expires);
    info->set_in_force(a.InForceAt(now));
    info->set_share_max_tlp(std::string(TlpName(a.share.max_tlp)));
    info->set_accept_max_tlp(std::string(TlpName(a.accept.max_tlp)));
    info->set_forward_third_party(a.share.forward_third_party);
    info->set_hide_source(a.share.hide_source);
    info->set_redistribute(a.accept.redistribute);
    info->set_report_sightings(a.accept.report_sightings);
  }
  return r;
}

absl::StatusOr<v1::ExplainResponse> Node::Explain(const Principal& who,
                                                  const std::string& id,
                                                  const std::string& partner) {
  // Own-org operators and analysts may ask; they see everything anyway.
  if (who.org != options_.org ||
      (who.role != Role::kAdmin && who.role != Role::kAnalyst)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " of ", who.org,
                     " may not explain sharing decisions"));
  }
  if (partner.empty()) return absl::InvalidArgumentError("partner: required");
  if (!IsUuid(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("indicator_id: '", id, "' is not a UUID"));
  }
  CSX_ASSIGN_OR_RETURN(v1::Indicator ind, store_->Get(id));
  auto policy = this->policy();
  Decision d = partner == options_.org
                   ? Decision{true, Rule::kAllowed, nullptr, nullptr}
                   : policy->Share(ind, partner, clock_->Now());
  v1::ExplainResponse r;
  r.set_shared(d.allowed);
  r.set_rule(std::string(SharingPolicy::RuleName(d.rule)));
  if (d.terms) r.set_agreement(d.terms->id);
  r.set_explanation(partner == options_.org
                        ? "this node's own org sees everything it holds"
                        : policy->Explain(ind, partner, d));
  return r;
}

absl::StatusOr<v1::AuditVerifyResponse> Node::AuditVerify(
    const Principal& who) {
  CSX_RETURN_IF_ERROR(Allow(who, Action::kAdmin));
  AuditChainVerifier verifier;
  uint64_t after = 0;
  while (verifier.ok()) {
    CSX_ASSIGN_OR_RETURN(auto records, store_->ReadAudit(after, 5000));
    if (records.empty()) break;
    for (const auto& r : records) {
      if (!verifier.Add(r)) break;
      after = r.seq;
    }
  }
  if (verifier.ok()) {
    CSX_ASSIGN_OR_RETURN(auto head, store_->AuditHead());
    verifier.Finish(head.first, head.second);
  }
  v1::AuditVerifyResponse r;
  r.set_ok(verifier.ok());
  r.set_records(verifier.records());
  r.set_first_bad_seq(verifier.first_bad_seq());
  r.set_problem(verifier.problem());
  return r;
}

absl::Status Node::RecordReload(const std::string& detail) {
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  CSX_RETURN_IF_ERROR(AppendAudit(*txn, "reload", nullptr, "csxd", detail));
  return txn->Commit();
}

absl::Status Node::RecordRefusal(const std::string& identity,
                                 const std::string& reason) {
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  CSX_RETURN_IF_ERROR(AppendAudit(*txn, "refused", nullptr, identity, reason));
  return txn->Commit();
}

absl::StatusOr<int> Node::ExpireDue() {
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, store_->Begin());
  const absl::Time now = clock_->Now();
  CSX_ASSIGN_OR_RETURN(auto ids, txn->DueForExpiry(now, kExpiryBatch));
  uint64_t last_seq = 0;
  for (const auto& id : ids) {
    CSX_ASSIGN_OR_RETURN(auto found, txn->FindById(id));
    if (!found) continue;
    v1::Indicator ind = *std::move(found);
    ind.set_expired(true);
    *ind.mutable_modified() = ToProto(now);
    ind.set_version(ind.version() + 1);
    CSX_ASSIGN_OR_RETURN(last_seq, txn->PutVersion(v1::OP_EXPIRE, now, ind));
  }
  CSX_RETURN_IF_ERROR(CommitAndPublish(*txn, last_seq));
  return static_cast<int>(ids.size());
}

}  // namespace csx
