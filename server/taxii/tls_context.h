// TLS for the TAXII port with the same rules as the gRPC port: TLS 1.2 or
// newer, a client certificate from the trusted CAs required (and checked
// against the CRL when one is configured), and the node certificate, key,
// CAs and CRL re-read every tls.reload_interval_seconds so that rotation
// needs no restart. A reload that fails keeps the previous material.
//
// Thread-safety: Install() may be called concurrently with handshakes.
#ifndef CSX_SERVER_TAXII_TLS_CONTEXT_H_
#define CSX_SERVER_TAXII_TLS_CONTEXT_H_

#include <openssl/ssl.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "csx/v1/config.pb.h"

namespace csx::taxii {

class TlsContext {
 public:
  // Loads the files of `tls`; InvalidArgument naming the key of a file that
  // is unusable.
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(
      const v1::TlsSection& tls);
  ~TlsContext();

  // Configures `ctx` (protocol versions, client verification, and a
  // per-handshake callback that installs the current material).
  bool Install(SSL_CTX& ctx);

 private:
  struct Material;
  explicit TlsContext(v1::TlsSection tls);
  static absl::StatusOr<std::shared_ptr<const Material>> Load(
      const v1::TlsSection& tls);
  static int OnCertificate(SSL* ssl, void* arg);
  std::shared_ptr<const Material> Current();

  const v1::TlsSection tls_;
  const absl::Duration reload_interval_;
  absl::Mutex mu_;
  std::shared_ptr<const Material> material_ ABSL_GUARDED_BY(mu_);
  absl::Time loaded_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace csx::taxii

#endif  // CSX_SERVER_TAXII_TLS_CONTEXT_H_
