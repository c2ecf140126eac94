// Authenticator: turns the verified client certificate of a call into a
// Principal with the node's principals rules. Calls whose certificate maps to
// no rule are refused with PERMISSION_DENIED and recorded in the audit log
// (once per identity per minute, so that a hostile client cannot flood it).
//
// The principal of a gRPC peer is remembered per certificate until the rules
// are replaced (at most a few thousand certificates).
//
// Thread-safety: safe for concurrent calls; Replace() swaps the rules
// atomically for later calls.
#ifndef CSX_SERVER_SERVICE_AUTHENTICATOR_H_
#define CSX_SERVER_SERVICE_AUTHENTICATOR_H_

#include <grpcpp/server_context.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/core/node.h"
#include "server/core/principal_mapper.h"

namespace csx {

// The identity gRPC verified for this call's peer.
CertIdentity IdentityOf(const grpc::ServerContext& context);

class Authenticator {
 public:
  // `node` is borrowed and must outlive the Authenticator.
  Authenticator(PrincipalMapper mapper, Node* node);

  absl::StatusOr<Principal> Authenticate(const grpc::ServerContext& context);
  // The same for an identity verified elsewhere (the TAXII endpoint).
  absl::StatusOr<Principal> AuthenticateIdentity(const CertIdentity& id);
  void Replace(PrincipalMapper mapper);

 private:
  // Maps `id`; a refusal is counted and audited.
  absl::StatusOr<Principal> MapWith(const PrincipalMapper& mapper,
                                    const CertIdentity& id);
  void RecordRefusal(const CertIdentity& id, const absl::Status& why);

  Node* const node_;
  absl::Mutex mu_;
  std::shared_ptr<const PrincipalMapper> mapper_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> last_refusal_
      ABSL_GUARDED_BY(mu_);
  // Verified leaf certificate (PEM) -> its principal under mapper_.
  absl::flat_hash_map<std::string, Principal> by_certificate_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_AUTHENTICATOR_H_
