#include "server/taxii/x509_identity.h"

#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace csx::taxii {
namespace {

struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};

std::string Ia5(const ASN1_IA5STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

}  // namespace

CertIdentity IdentityOfCertificate(const X509* cert) {
  CertIdentity id;
  if (cert == nullptr) return id;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(
      static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      if (name->type == GEN_URI) {
        id.uris.push_back(Ia5(name->d.uniformResourceIdentifier));
      } else if (name->type == GEN_DNS) {
        id.dns_names.push_back(Ia5(name->d.dNSName));
      }
    }
  }
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (i >= 0) {
    const ASN1_STRING* cn =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, cn);
    if (n >= 0) {
      id.common_name.assign(reinterpret_cast<char*>(utf8),
                            static_cast<size_t>(n));
      OPENSSL_free(utf8);
    }
  }
  return id;
}

}  // namespace csx::taxii
