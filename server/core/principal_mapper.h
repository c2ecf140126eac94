// PrincipalMapper: maps the identity of a verified client certificate to a
// Principal with the node's `principals` rules, first match wins.
//
// A rule field matches exactly, or with '*' standing for one segment (no '/'
// in URIs, no '.' in DNS names and CNs). san_uri rules look at URI SANs only,
// san_dns at DNS SANs only, cn at the subject CN only. A csx://ORG/ROLE/NAME
// URI can never claim an org other than the rule's.
//
// Thread-safety: immutable after Create(); safe to share.
#ifndef CSX_SERVER_CORE_PRINCIPAL_MAPPER_H_
#define CSX_SERVER_CORE_PRINCIPAL_MAPPER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "csx/v1/config.pb.h"
#include "server/core/principal.h"

namespace csx {

// What the TLS layer verified about the client certificate.
struct CertIdentity {
  std::vector<std::string> uris;
  std::vector<std::string> dns_names;
  std::string common_name;
  // Short text for logs and the audit log.
  std::string ToString() const;
};

// True when `text` matches `pattern`; '*' matches a run without `separator`.
bool SegmentGlobMatch(absl::string_view pattern, absl::string_view text,
                      char separator);

class PrincipalMapper {
 public:
  // Fails with InvalidArgument naming principals[i] when a rule is unusable.
  static absl::StatusOr<PrincipalMapper> Create(
      std::string node_org,
      const google::protobuf::RepeatedPtrField<v1::PrincipalRule>& rules);

  // PermissionDenied when no rule matches.
  absl::StatusOr<Principal> Map(const CertIdentity& id) const;

 private:
  struct Rule {
    std::string san_uri, san_dns, cn;
    std::string org;
    Role role;
    std::string name;
  };
  std::string node_org_;
  std::vector<Rule> rules_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_PRINCIPAL_MAPPER_H_
