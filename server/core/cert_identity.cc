#include "server/core/cert_identity.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace csx {
namespace {

struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string Ia5(const ASN1_IA5STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::shared_ptr<X509> Shared(X509* cert) {
  return std::shared_ptr<X509>(cert, X509Deleter());
}

}  // namespace

std::string CertIdentity::ToString() const {
  std::vector<std::string> parts;
  if (!common_name.empty()) parts.push_back(absl::StrCat("cn=", common_name));
  for (const auto& u : uris) parts.push_back(absl::StrCat("uri=", u));
  for (const auto& d : dns_names) parts.push_back(absl::StrCat("dns=", d));
  return parts.empty() ? "no identity" : absl::StrJoin(parts, ",");
}

CertIdentity IdentityOfCertificate(const X509* cert) {
  CertIdentity id;
  if (cert == nullptr) return id;
  // The reference count is the only thing that changes.
  X509* shared = const_cast<X509*>(cert);
  X509_up_ref(shared);
  id.cert = Shared(shared);
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

CertIdentity IdentityOfPem(absl::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return CertIdentity();
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  return IdentityOfCertificate(cert.get());
}

std::vector<X509Ptr> ReadPemCertificates(const std::string& path) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return out;
  }
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the file
  return out;
}

absl::StatusOr<IssuerPin> IssuerPin::Load(const std::string& path) {
  std::vector<X509Ptr> cas = ReadPemCertificates(path);
  if (cas.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, " or it holds no PEM certificate"));
  }
  IssuerPin pin;
  for (X509Ptr& ca : cas) pin.cas_.push_back(Shared(ca.release()));
  return pin;
}

bool IssuerPin::Issued(X509* cert) const {
  if (cert == nullptr) return false;
  for (const auto& ca : cas_) {
    if (X509_check_issued(ca.get(), cert) != X509_V_OK) continue;
    EVP_PKEY* key = X509_get0_pubkey(ca.get());
    if (key != nullptr && X509_verify(cert, key) == 1) return true;
  }
  return false;
}

}  // namespace csx
