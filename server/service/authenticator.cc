#include "server/service/authenticator.h"

#include <spdlog/spdlog.h>

#include "absl/time/clock.h"

namespace csx {

namespace {

// Principals remembered per certificate, for one set of rules.
constexpr size_t kMaxRemembered = 4096;

// The PEM of the verified leaf; a view into the call's auth context, which
// the ServerContext keeps until the call ends.
absl::string_view VerifiedLeafPem(const grpc::ServerContext& context) {
  auto auth = context.auth_context();
  if (!auth) return {};
  auto pem = auth->FindPropertyValues("x509_pem_cert");
  if (pem.empty()) return {};
  return absl::string_view(pem.front().data(), pem.front().size());
}

}  // namespace

CertIdentity IdentityOf(const grpc::ServerContext& context) {
  CertIdentity id;
  auto auth = context.auth_context();
  if (!auth) return id;
  // The verified leaf, read as the TAXII port reads it.
  if (absl::string_view pem = VerifiedLeafPem(context); !pem.empty()) {
    id = IdentityOfPem(pem);
    if (id.cert) return id;
  }
  for (const auto& v : auth->FindPropertyValues("peer_uri"))
    id.uris.emplace_back(v.data(), v.size());
  for (const auto& v : auth->FindPropertyValues("peer_dns")) {
    id.dns_names.emplace_back(v.data(), v.size());
  }
  auto cn = auth->FindPropertyValues("x509_common_name");
  if (!cn.empty()) id.common_name.assign(cn.front().data(), cn.front().size());
  return id;
}

Authenticator::Authenticator(PrincipalMapper mapper, Node* node)
    : node_(node),
      mapper_(std::make_shared<const PrincipalMapper>(std::move(mapper))) {}

void Authenticator::Replace(PrincipalMapper mapper) {
  auto next = std::make_shared<const PrincipalMapper>(std::move(mapper));
  absl::MutexLock lock(&mu_);
  mapper_ = std::move(next);
  by_certificate_.clear();
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const grpc::ServerContext& context) {
  // Mapping parses the certificate and may verify its signature with a
  // pinned CA's key: done once per certificate and set of rules, not on
  // every call of every connection.
  const absl::string_view pem = VerifiedLeafPem(context);
  if (pem.empty()) return AuthenticateIdentity(IdentityOf(context));
  std::shared_ptr<const PrincipalMapper> mapper;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = by_certificate_.find(pem); it != by_certificate_.end()) {
      return it->second;
    }
    mapper = mapper_;
  }
  auto principal = MapWith(*mapper, IdentityOf(context));
  if (principal.ok()) {
    absl::MutexLock lock(&mu_);
    if (mapper == mapper_) {  // the rules were not replaced meanwhile
      if (by_certificate_.size() >= kMaxRemembered) by_certificate_.clear();
      by_certificate_.emplace(pem, *principal);
    }
  }
  return principal;
}

absl::StatusOr<Principal> Authenticator::AuthenticateIdentity(
    const CertIdentity& id) {
  std::shared_ptr<const PrincipalMapper> mapper;
  {
    absl::MutexLock lock(&mu_);
    mapper = mapper_;
  }
  return MapWith(*mapper, id);
}

absl::StatusOr<Principal> Authenticator::MapWith(const PrincipalMapper& mapper,
                                                 const CertIdentity& id) {
  auto principal = mapper.Map(id);
  if (!principal.ok()) {
    node_->events().Refused("unmapped", 1);
    RecordRefusal(id, principal.status());
  }
  return principal;
}

void Authenticator::RecordRefusal(const CertIdentity& id,
                                  const absl::Status& why) {
  const std::string key = id.ToString();
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = last_refusal_.try_emplace(key, now);
    if (!inserted) {
      if (now - it->second < absl::Minutes(1)) return;
      it->second = now;
    }
    if (last_refusal_.size() > 10000) last_refusal_.clear();
  }
  spdlog::warn("refused connection from {}: {}", key,
               std::string(why.message()));
  absl::Status s = node_->RecordRefusal(key, std::string(why.message()));
  if (!s.ok()) {
    spdlog::error("audit of a refused connection failed: {}", s.ToString());
  }
}

}  // namespace csx
