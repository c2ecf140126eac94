// PrincipalMapper: maps the identity of a verified client certificate to a
// Principal with the node's `principals` rules, first match wins.
//
// A rule field matches exactly, or with '*' standing for one segment (no '/'
// in URIs, no '.' in DNS names and CNs). san_uri rules look at URI SANs only,
// san_dns at DNS SANs only, cn at the subject CN only. A csx://ORG/ROLE/NAME
// URI can never claim an org other than the rule's, and a certificate with
// more than one csx:// URI is refused. A rule with issuer_ca matches only
// certificates issued by one of that file's CAs, so that the CA of one
// partner cannot issue a certificate that maps to another org.
//
// Thread-safety: immutable after Create(); safe to share.
#ifndef CSX_SERVER_CORE_PRINCIPAL_MAPPER_H_
#define CSX_SERVER_CORE_PRINCIPAL_MAPPER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "csx/v1/config.pb.h"
#include "server/core/cert_identity.h"
#include "server/core/principal.h"

namespace csx {

// True when `text` matches `pattern`; '*' matches a run without `separator`.
bool SegmentGlobMatch(absl::string_view pattern, absl::string_view text,
                      char separator);

class PrincipalMapper {
 public:
  // Fails with InvalidArgument naming principals[i] when a rule is unusable
  // (its issuer_ca file is read here).
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
    std::shared_ptr<const IssuerPin> issuer;  // null: any trusted CA
  };
  std::string node_org_;
  std::vector<Rule> rules_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_PRINCIPAL_MAPPER_H_
