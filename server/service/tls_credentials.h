// Server credentials for mutual TLS: the node certificate, key and trusted
// client CAs are re-read from disk periodically (certificate rotation without
// restart), and every client must present a certificate that verifies.
#ifndef CSX_SERVER_SERVICE_TLS_CREDENTIALS_H_
#define CSX_SERVER_SERVICE_TLS_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/status/statusor.h"
#include "csx/v1/config.pb.h"

namespace csx {

// Checks that the files of `tls` hold a certificate, a matching private key,
// CA certificates and (optionally) a CRL, and builds the credentials.
// InvalidArgument naming the key of a file that is not usable.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsSection& tls, const std::string& crl_dir);

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_TLS_CREDENTIALS_H_
