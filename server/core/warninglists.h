// Warninglists: values that are almost always false positives (private and
// documentation address ranges, well-known resolvers, special-use domains),
// built in and/or loaded from MISP warninglist JSON files. A submission that
// hits a list is stored with a warning naming the list, or refused when the
// operator set that list to refuse.
//
// Thread-safety: immutable after Create(); share freely.
#ifndef CSX_SERVER_CORE_WARNINGLISTS_H_
#define CSX_SERVER_CORE_WARNINGLISTS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/ip_address.h"
#include "csx/v1/config.pb.h"
#include "csx/v1/indicator.pb.h"

namespace csx {

struct WarninglistHit {
  v1::Warning warning;  // list name and what matched
  bool refuse = false;
};

class Warninglists {
 public:
  // Built-in lists (unless disabled) plus the MISP files named in `config`.
  // InvalidArgument naming the file or the `refuse` entry that is unusable.
  static absl::StatusOr<Warninglists> Create(
      const v1::WarninglistSection& config);
  // Parses one MISP warninglist JSON document (types cidr, string, hostname,
  // substring). `source` names it in errors.
  absl::Status AddMispList(absl::string_view json, absl::string_view source);

  // Every list the canonical `value` of `type` is on.
  std::vector<WarninglistHit> Check(v1::IndicatorType type,
                                    const std::string& value) const;
  size_t size() const { return lists_.size(); }

 private:
  struct List {
    std::string name;
    std::vector<IpRange> ranges;
    absl::flat_hash_set<std::string> strings;  // exact values
    std::vector<std::string> hostnames;        // domain or its subdomains
    std::vector<std::string> substrings;
    bool refuse = false;
  };
  void AddBuiltin();
  bool MatchHost(const List& list, absl::string_view host) const;

  std::vector<List> lists_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_WARNINGLISTS_H_
