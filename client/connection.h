// Connection: the mutual-TLS channel to a node and the stubs csx calls. The
// commands take the StubInterface types so that tests can hand them any stub.
#ifndef CSX_CLIENT_CONNECTION_H_
#define CSX_CLIENT_CONNECTION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "client/settings.h"
#include "csx/v1/service.grpc.pb.h"

namespace csx::cli {

struct Stubs {
  std::unique_ptr<v1::IndicatorService::StubInterface> indicators;
  std::unique_ptr<v1::FeedService::StubInterface> feed;
  std::unique_ptr<v1::AdminService::StubInterface> admin;
};

// Reads the certificate files and creates the channel (connection happens on
// the first call). InvalidArgument naming the flag of an unreadable file.
absl::StatusOr<Stubs> Connect(const Settings& settings);

}  // namespace csx::cli

#endif  // CSX_CLIENT_CONNECTION_H_
