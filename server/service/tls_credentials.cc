#include "server/service/tls_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace csx {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CrlDeleter {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using CrlPtr = std::unique_ptr<X509_CRL, CrlDeleter>;

absl::StatusOr<FilePtr> OpenFile(const std::string& key,
                                 const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "r"));
  if (!f)
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": cannot read '", path, "'"));
  return f;
}

// Installs the CRL under the hashed name OpenSSL looks up ("<hash>.r0").
absl::Status InstallCrl(const std::string& crl_path, const std::string& dir) {
  CSX_ASSIGN_OR_RETURN(FilePtr f, OpenFile("tls.crl", crl_path));
  CrlPtr crl(PEM_read_X509_CRL(f.get(), nullptr, nullptr, nullptr));
  if (!crl)
    return absl::InvalidArgumentError(
        absl::StrCat("tls.crl: '", crl_path, "' is not a PEM CRL"));
  const unsigned long hash = X509_NAME_hash_ex(X509_CRL_get_issuer(crl.get()),
                                               nullptr, nullptr, nullptr);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string target =
      absl::StrCat(dir, "/", absl::StrFormat("%08lx", hash), ".r0");
  std::filesystem::copy_file(
      crl_path, target, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec)
    return absl::InvalidArgumentError(
        absl::StrCat("tls.crl: cannot install into ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsSection& tls, const std::string& crl_dir) {
  CSX_ASSIGN_OR_RETURN(FilePtr cert_file, OpenFile("tls.cert", tls.cert()));
  X509Ptr cert(PEM_read_X509(cert_file.get(), nullptr, nullptr, nullptr));
  if (!cert)
    return absl::InvalidArgumentError(
        absl::StrCat("tls.cert: '", tls.cert(), "' holds no PEM certificate"));
  CSX_ASSIGN_OR_RETURN(FilePtr key_file, OpenFile("tls.key", tls.key()));
  PkeyPtr key(PEM_read_PrivateKey(key_file.get(), nullptr, nullptr, nullptr));
  if (!key)
    return absl::InvalidArgumentError(
        absl::StrCat("tls.key: '", tls.key(), "' holds no PEM private key"));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "tls.key: does not match the certificate in tls.cert");
  }
  CSX_ASSIGN_OR_RETURN(FilePtr ca_file,
                       OpenFile("tls.client_ca", tls.client_ca()));
  X509Ptr ca(PEM_read_X509(ca_file.get(), nullptr, nullptr, nullptr));
  if (!ca)
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.client_ca: '", tls.client_ca(), "' holds no PEM certificate"));

  const unsigned interval =
      tls.reload_interval_seconds() == 0 ? 60 : tls.reload_interval_seconds();
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          tls.key(), tls.cert(), tls.client_ca(), interval);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!tls.crl().empty()) {
    CSX_RETURN_IF_ERROR(InstallCrl(tls.crl(), crl_dir));
    options.set_crl_directory(crl_dir);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace csx
