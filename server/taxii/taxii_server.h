// TaxiiServer: the HTTPS adapter of TaxiiCore on node.taxii_listen. Every
// request needs a client certificate that maps to a principal, exactly as on
// the gRPC port; routes (GET only):
//   /taxii2/                                         discovery
//   /api/                                            API root
//   /api/collections/                                collections
//   /api/collections/{id}/                           one collection
//   /api/collections/{id}/objects/                   objects (paged)
//   /api/collections/{id}/objects/{object-id}/       one object
//   /api/collections/{id}/objects/{object-id}/versions/
//   /api/collections/{id}/manifest/                  manifest (paged)
// Writing (POST, DELETE) is refused: this endpoint is read-only.
#ifndef CSX_SERVER_TAXII_TAXII_SERVER_H_
#define CSX_SERVER_TAXII_TAXII_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "csx/v1/config.pb.h"
#include "server/service/authenticator.h"
#include "server/service/metrics.h"
#include "server/taxii/taxii_core.h"
#include "server/taxii/tls_context.h"

namespace httplib {
class SSLServer;
struct Request;
struct Response;
}  // namespace httplib

namespace csx::taxii {

class TaxiiServer {
 public:
  // Binds `listen` ("host:port", port 0 picks one) and serves in the
  // background. `node`, `auth` and `metrics` are borrowed and must outlive
  // the server.
  static absl::StatusOr<std::unique_ptr<TaxiiServer>> Start(
      const std::string& listen, const v1::TlsSection& tls, Node* node,
      Authenticator* auth, Metrics* metrics);
  ~TaxiiServer();

  int port() const { return port_; }
  // Stops accepting connections and waits for the serving thread.
  void Stop();

 private:
  TaxiiServer(Node* node, Authenticator* auth, Metrics* metrics);
  void AddRoutes();
  // Checks Accept and the client's principal, then runs `fn`.
  template <typename Fn>
  Reply Dispatch(const httplib::Request& req, Fn fn);
  void Send(absl::string_view route, const Reply& reply,
            httplib::Response& res);

  TaxiiCore core_;
  Authenticator* const auth_;
  Metrics* const metrics_;
  std::unique_ptr<TlsContext> tls_;
  std::unique_ptr<httplib::SSLServer> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace csx::taxii

#endif  // CSX_SERVER_TAXII_TAXII_SERVER_H_
