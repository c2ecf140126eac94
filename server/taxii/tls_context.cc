#include "server/taxii/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace csx::taxii {
// Deleters of the OpenSSL objects TlsContext::Material owns; named, not
// anonymous, since the Material's members use them.
namespace tls_context_internal {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct ChainFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct NamesFree {
  void operator()(STACK_OF(X509_NAME) * s) const {
    sk_X509_NAME_pop_free(s, X509_NAME_free);
  }
};
struct CrlFree {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};

}  // namespace tls_context_internal
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

absl::StatusOr<std::unique_ptr<FILE, FileCloser>> Open(
    absl::string_view key, const std::string& path) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "r"));
  if (!f) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": cannot read '", path, "'"));
  }
  return f;
}

// A CA that publishes no CRL is trusted as on the gRPC port: a CRL is
// enforced for the CA it comes from, and its absence for another CA is not
// a failure.
int AcceptMissingCrl(int ok, X509_STORE_CTX* ctx) {
  if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL) {
    X509_STORE_CTX_set_error(ctx, X509_V_OK);
    return 1;
  }
  return ok;
}

}  // namespace

struct TlsContext::Material {
  std::unique_ptr<X509, tls_context_internal::X509Free> cert;
  std::unique_ptr<STACK_OF(X509), tls_context_internal::ChainFree> chain;
  std::unique_ptr<EVP_PKEY, tls_context_internal::KeyFree> key;
  std::unique_ptr<X509_STORE, tls_context_internal::StoreFree> store;
  std::unique_ptr<STACK_OF(X509_NAME), tls_context_internal::NamesFree>
      ca_names;
};

TlsContext::TlsContext(v1::TlsSection tls)
    : tls_(std::move(tls)),
      reload_interval_(absl::Seconds(tls_.reload_interval_seconds() == 0
                                         ? 60
                                         : tls_.reload_interval_seconds())) {}

TlsContext::~TlsContext() = default;

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(
    const v1::TlsSection& tls) {
  auto material = Load(tls);
  if (!material.ok()) return material.status();
  std::unique_ptr<TlsContext> ctx(new TlsContext(tls));
  absl::MutexLock lock(&ctx->mu_);
  ctx->material_ = *std::move(material);
  ctx->loaded_at_ = absl::Now();
  return ctx;
}

absl::StatusOr<std::shared_ptr<const TlsContext::Material>> TlsContext::Load(
    const v1::TlsSection& tls) {
  auto m = std::make_shared<Material>();
  {
    auto f = Open("tls.cert", tls.cert());
    if (!f.ok()) return f.status();
    m->cert.reset(PEM_read_X509(f->get(), nullptr, nullptr, nullptr));
    if (!m->cert) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tls.cert: '", tls.cert(), "' is not a PEM certificate"));
    }
    m->chain.reset(sk_X509_new_null());
    while (X509* extra = PEM_read_X509(f->get(), nullptr, nullptr, nullptr)) {
      sk_X509_push(m->chain.get(), extra);
    }
    ERR_clear_error();  // the end of the file ends the loop
  }
  {
    auto f = Open("tls.key", tls.key());
    if (!f.ok()) return f.status();
    m->key.reset(PEM_read_PrivateKey(f->get(), nullptr, nullptr, nullptr));
    if (!m->key || X509_check_private_key(m->cert.get(), m->key.get()) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(
          "tls.key: '", tls.key(), "' is not the key of tls.cert"));
    }
  }
  m->store.reset(X509_STORE_new());
  if (X509_STORE_load_file(m->store.get(), tls.client_ca().c_str()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.client_ca: '", tls.client_ca(), "' holds no PEM certificate"));
  }
  m->ca_names.reset(SSL_load_client_CA_file(tls.client_ca().c_str()));
  if (!tls.crl().empty()) {
    auto f = Open("tls.crl", tls.crl());
    if (!f.ok()) return f.status();
    std::unique_ptr<X509_CRL, tls_context_internal::CrlFree> crl(
        PEM_read_X509_CRL(f->get(), nullptr, nullptr, nullptr));
    if (!crl || X509_STORE_add_crl(m->store.get(), crl.get()) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          absl::StrCat("tls.crl: '", tls.crl(), "' is not a PEM CRL"));
    }
    X509_STORE_set_flags(m->store.get(), X509_V_FLAG_CRL_CHECK);
  }
  return std::shared_ptr<const Material>(std::move(m));
}

std::shared_ptr<const TlsContext::Material> TlsContext::Current() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (now - loaded_at_ >= reload_interval_) {
    loaded_at_ = now;
    auto next = Load(tls_);
    if (next.ok()) {
      material_ = *std::move(next);
    } else {
      spdlog::warn("taxii: keeping the previous certificates: {}",
                   std::string(next.status().message()));
    }
  }
  return material_;
}

int TlsContext::OnCertificate(SSL* ssl, void* arg) {
  auto material = static_cast<TlsContext*>(arg)->Current();
  if (SSL_use_cert_and_key(ssl, material->cert.get(), material->key.get(),
                           material->chain.get(), 1) != 1 ||
      SSL_set1_verify_cert_store(ssl, material->store.get()) != 1) {
    return 0;
  }
  if (material->ca_names) {
    SSL_set_client_CA_list(ssl, SSL_dup_CA_list(material->ca_names.get()));
  }
  return 1;
}

bool TlsContext::Install(SSL_CTX& ctx) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // TLS 1.2 only with forward-secret AEAD suites; TLS 1.3 as OpenSSL has it.
  if (SSL_CTX_set_cipher_list(&ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
    return false;
  }
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     &AcceptMissingCrl);
  SSL_CTX_set_cert_cb(&ctx, &TlsContext::OnCertificate, this);
  return true;
}

}  // namespace csx::taxii
