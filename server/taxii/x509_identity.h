// The identity of a verified peer certificate, read the way gRPC reads it
// for the gRPC port: SAN URIs, SAN DNS names and the subject CN.
#ifndef CSX_SERVER_TAXII_X509_IDENTITY_H_
#define CSX_SERVER_TAXII_X509_IDENTITY_H_

#include <openssl/x509.h>

#include "server/core/principal_mapper.h"

namespace csx::taxii {

// An empty identity when `cert` is null.
CertIdentity IdentityOfCertificate(const X509* cert);

}  // namespace csx::taxii

#endif  // CSX_SERVER_TAXII_X509_IDENTITY_H_
