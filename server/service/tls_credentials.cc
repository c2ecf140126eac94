#include "server/service/tls_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "server/core/cert_identity.h"

namespace csx {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CrlDeleter {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;
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

absl::StatusOr<CrlPtr> ReadCrl(const std::string& bytes,
                               const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
  CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)
                 : nullptr);
  if (!crl) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("tls.crl: '", path, "' is not a PEM CRL"));
  }
  return crl;
}

absl::StatusOr<std::string> Slurp(const std::string& key,
                                  const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": cannot read '", path, "'"));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

absl::Status CheckTlsFiles(const v1::TlsSection& tls) {
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
  if (!tls.crl().empty()) {
    CSX_ASSIGN_OR_RETURN(std::string bytes, Slurp("tls.crl", tls.crl()));
    CSX_RETURN_IF_ERROR(ReadCrl(bytes, tls.crl()).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsSection& tls, const std::string& crl_dir) {
  CSX_RETURN_IF_ERROR(CheckTlsFiles(tls));
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
  if (!crl_dir.empty()) options.set_crl_directory(crl_dir);
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::unique_ptr<CrlDirectory>> CrlDirectory::Create(
    std::string crl_path, std::string dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.crl: cannot create ", dir, ": ", ec.message()));
  }
  std::unique_ptr<CrlDirectory> d(
      new CrlDirectory(std::move(crl_path), std::move(dir)));
  CSX_RETURN_IF_ERROR(d->Refresh().status());
  return d;
}

absl::StatusOr<bool> CrlDirectory::Refresh() {
  CSX_ASSIGN_OR_RETURN(std::string bytes, Slurp("tls.crl", crl_path_));
  if (bytes == installed_) return false;
  CSX_ASSIGN_OR_RETURN(CrlPtr crl, ReadCrl(bytes, crl_path_));
  const unsigned long hash = X509_NAME_hash_ex(X509_CRL_get_issuer(crl.get()),
                                               nullptr, nullptr, nullptr);
  const std::string name = absl::StrCat(
      dir_, "/", absl::StrFormat("%08lx", hash), ".r", next_suffix_);
  // Written whole under a temporary name, then renamed: a handshake never
  // reads half a CRL.
  const std::string tmp = absl::StrCat(dir_, "/.incoming");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << bytes;
    if (!out.flush()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.crl: cannot write ", tmp));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, name, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.crl: cannot install ", name, ": ", ec.message()));
  }
  installed_ = std::move(bytes);
  ++next_suffix_;
  return true;
}

}  // namespace csx
