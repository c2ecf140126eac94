// Server credentials for mutual TLS: the node certificate, key and trusted
// client CAs are re-read from disk periodically (certificate rotation without
// restart), every client must present a certificate that verifies, and one
// revoked by a CRL in the CrlDirectory is refused.
#ifndef CSX_SERVER_SERVICE_TLS_CREDENTIALS_H_
#define CSX_SERVER_SERVICE_TLS_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "csx/v1/config.pb.h"

namespace csx {

// Checks that the files of `tls` hold a certificate, a matching private key,
// CA certificates and (optionally) a CRL. InvalidArgument naming the key of a
// file that is not usable.
absl::Status CheckTlsFiles(const v1::TlsSection& tls);

// CheckTlsFiles(), then the credentials. With a non-empty `crl_dir` (a
// CrlDirectory's), every client certificate is checked against the CRLs in it.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsSection& tls, const std::string& crl_dir);

// The directory of hashed CRL files that the TLS layer reads on each
// handshake. Refresh() installs a changed tls.crl under the next suffix
// ("<hash>.r1", ...): OpenSSL picks up new files and prefers the CRL with the
// latest lastUpdate, so a renewed CRL takes effect without a restart.
//
// Thread-safety: Refresh() from one thread at a time.
class CrlDirectory {
 public:
  // Empties `dir` and installs `crl_path` in it.
  static absl::StatusOr<std::unique_ptr<CrlDirectory>> Create(
      std::string crl_path, std::string dir);
  // Installs the file again when its bytes have changed: true when it did.
  // InvalidArgument (and nothing installed) when it is not a PEM CRL.
  absl::StatusOr<bool> Refresh();
  const std::string& dir() const { return dir_; }
  const std::string& path() const { return crl_path_; }

 private:
  CrlDirectory(std::string crl_path, std::string dir)
      : crl_path_(std::move(crl_path)), dir_(std::move(dir)) {}
  std::string crl_path_, dir_;
  std::string installed_;  // bytes of the last installed CRL
  int next_suffix_ = 0;
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_TLS_CREDENTIALS_H_
