#include "server/preflight.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "server/core/cert_identity.h"
#include "server/service/tls_credentials.h"
#include "server/store/sqlite/sqlite_store.h"

namespace csx {
namespace {

// Seconds from `now` to `t` (negative when `t` is past).
int64_t SecondsUntil(const ASN1_TIME* t, absl::Time now) {
  int days = 0, secs = 0;
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> from(
      ASN1_TIME_set(nullptr, absl::ToTimeT(now)), ASN1_TIME_free);
  if (!from || ASN1_TIME_diff(&days, &secs, from.get(), t) != 1) return 0;
  return int64_t{days} * 86400 + secs;
}

}  // namespace

std::vector<std::string> ConfigWarnings(const v1::NodeConfig& config,
                                        absl::Time now) {
  std::vector<std::string> warnings;
  auto certs = ReadPemCertificates(config.tls().cert());
  if (!certs.empty()) {
    const int64_t left = SecondsUntil(X509_get0_notAfter(certs[0].get()), now);
    if (left > 0 && left < 14 * 86400) {
      warnings.push_back(absl::StrCat("tls.cert: expires in ", left / 86400,
                                      " days; renew it"));
    }
  }
  const size_t cas = ReadPemCertificates(config.tls().client_ca()).size();
  if (cas > 1) {
    for (int i = 0; i < config.principals_size(); ++i) {
      if (!config.principals(i).issuer_ca().empty()) continue;
      warnings.push_back(absl::StrCat(
          "principals[", i, "]: any of the ", cas,
          " CAs in tls.client_ca can issue a certificate this rule accepts; "
          "set issuer_ca to the CA it belongs to"));
    }
  }
  return warnings;
}

absl::StatusOr<std::vector<std::string>> Preflight(const v1::NodeConfig& config,
                                                   absl::Time now) {
  CSX_RETURN_IF_ERROR(CheckTlsFiles(config.tls()));
  auto certs = ReadPemCertificates(config.tls().cert());
  if (!certs.empty()) {
    if (SecondsUntil(X509_get0_notBefore(certs[0].get()), now) > 0) {
      return absl::InvalidArgumentError(
          "tls.cert: not valid yet; clients refuse it");
    }
    if (SecondsUntil(X509_get0_notAfter(certs[0].get()), now) <= 0) {
      return absl::InvalidArgumentError("tls.cert: expired; clients refuse it");
    }
  }
  std::vector<std::string> warnings = ConfigWarnings(config, now);
  if (!config.store().sqlite().empty()) {
    CSX_ASSIGN_OR_RETURN(std::vector<std::string> store,
                         SqliteStore::Inspect(config.store().sqlite()));
    warnings.insert(warnings.end(), store.begin(), store.end());
  }
  return warnings;
}

}  // namespace csx
