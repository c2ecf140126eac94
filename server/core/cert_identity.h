// The identity of a verified client certificate, read the same way on every
// port: SAN URIs, SAN DNS names, the subject CN, and the certificate itself
// (for principals rules pinned to an issuing CA).
#ifndef CSX_SERVER_CORE_CERT_IDENTITY_H_
#define CSX_SERVER_CORE_CERT_IDENTITY_H_

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace csx {

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// What the TLS layer verified about the client certificate.
struct CertIdentity {
  std::vector<std::string> uris;
  std::vector<std::string> dns_names;
  std::string common_name;
  // The leaf certificate; null when the TLS layer did not provide it.
  std::shared_ptr<X509> cert;
  // Short text for logs and the audit log.
  std::string ToString() const;
};

// Every certificate of a PEM file; empty when it cannot be read or holds
// none.
std::vector<X509Ptr> ReadPemCertificates(const std::string& path);

// An empty identity when `cert` is null. Takes a reference to `cert`.
CertIdentity IdentityOfCertificate(const X509* cert);
// The identity of a PEM certificate (empty when it does not parse).
CertIdentity IdentityOfPem(absl::string_view pem);

// The CA certificates of one PEM file: which of them issued a certificate.
//
// Thread-safety: immutable after Load(); safe to share.
class IssuerPin {
 public:
  // InvalidArgument when the file cannot be read or holds no certificate.
  static absl::StatusOr<IssuerPin> Load(const std::string& path);
  // True when one of the CAs issued `cert`: its name is the certificate's
  // issuer and its key verifies the certificate's signature.
  bool Issued(X509* cert) const;

 private:
  std::vector<std::shared_ptr<X509>> cas_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_CERT_IDENTITY_H_
