#include "client/connection.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace csx::cli {
namespace {

constexpr int kMaxMessageBytes = 64 << 20;

absl::StatusOr<std::string> ReadPem(const std::string& flag,
                                    const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read '", path, "'"));
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

absl::StatusOr<Stubs> Connect(const Settings& s) {
  grpc::SslCredentialsOptions tls;
  auto ca = ReadPem("--ca", s.ca);
  if (!ca.ok()) return ca.status();
  auto cert = ReadPem("--cert", s.cert);
  if (!cert.ok()) return cert.status();
  auto key = ReadPem("--key", s.key);
  if (!key.ok()) return key.status();
  tls.pem_root_certs = *ca;
  tls.pem_cert_chain = *cert;
  tls.pem_private_key = *key;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  if (!s.server_name.empty()) args.SetSslTargetNameOverride(s.server_name);
  auto channel =
      grpc::CreateCustomChannel(s.server, grpc::SslCredentials(tls), args);
  Stubs stubs;
  stubs.indicators = v1::IndicatorService::NewStub(channel);
  stubs.feed = v1::FeedService::NewStub(channel);
  stubs.admin = v1::AdminService::NewStub(channel);
  return stubs;
}

}  // namespace csx::cli
