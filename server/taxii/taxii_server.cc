#include "server/taxii/taxii_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/cert_identity.h"

namespace csx::taxii {
namespace {

constexpr char kCollection[] = "/api/collections/([^/]+)/";
constexpr char kObject[] = "/api/collections/([^/]+)/objects/([^/]+)/";

// True when the Accept header admits TAXII 2.1 JSON (or is absent).
bool AcceptsTaxii(const httplib::Request& req) {
  if (!req.has_header("Accept")) return true;
  for (absl::string_view range :
       absl::StrSplit(req.get_header_value("Accept"), ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(range, ';');
    const std::string type =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
    if (type == "*/*" || type == "application/*") return true;
    if (type != "application/taxii+json") continue;
    bool version_ok = true;
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string param =
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[i]));
      if (absl::StartsWith(param, "version=") && param != "version=2.1") {
        version_ok = false;
      }
    }
    if (version_ok) return true;
  }
  return false;
}

// "host:port" or "[v6]:port".
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(
    const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node.taxii_listen: expected host:port, got '", listen, "'"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, port);
}

}  // namespace

TaxiiServer::TaxiiServer(Node* node, Authenticator* auth, Metrics* metrics)
    : core_(node), auth_(auth), metrics_(metrics) {}

TaxiiServer::~TaxiiServer() { Stop(); }

absl::StatusOr<std::unique_ptr<TaxiiServer>> TaxiiServer::Start(
    const std::string& listen, const v1::TlsSection& tls, Node* node,
    Authenticator* auth, Metrics* metrics) {
  auto address = SplitHostPort(listen);
  if (!address.ok()) return address.status();
  std::unique_ptr<TaxiiServer> s(new TaxiiServer(node, auth, metrics));
  auto ctx = TlsContext::Create(tls);
  if (!ctx.ok()) return ctx.status();
  s->tls_ = *std::move(ctx);
  TlsContext* tls_ctx = s->tls_.get();
  s->http_ = std::make_unique<httplib::SSLServer>(
      [tls_ctx](SSL_CTX& c) { return tls_ctx->Install(c); });
  if (!s->http_->is_valid()) {
    return absl::InternalError("node.taxii_listen: TLS set-up failed");
  }
  s->http_->set_payload_max_length(64 << 10);
  s->http_->set_read_timeout(10);
  s->http_->set_write_timeout(30);
  s->AddRoutes();
  const auto& [host, port] = *address;
  if (port == 0) {
    s->port_ = s->http_->bind_to_any_port(host);
  } else if (s->http_->bind_to_port(host, port)) {
    s->port_ = port;
  }
  if (s->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("node.taxii_listen: cannot listen on ", listen));
  }
  httplib::SSLServer* http = s->http_.get();
  s->thread_ = std::thread([http] { http->listen_after_bind(); });
  return s;
}

void TaxiiServer::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

template <typename Fn>
Reply TaxiiServer::Dispatch(const httplib::Request& req, Fn fn) {
  if (!AcceptsTaxii(req)) {
    return ErrorReply(
        406, "Not acceptable",
        absl::StrCat("this server answers with ", kTaxiiMediaType));
  }
  const X509* cert = req.ssl ? SSL_get0_peer_certificate(req.ssl) : nullptr;
  if (cert == nullptr) {
    return ErrorReply(401, "Unauthorized", "a client certificate is required");
  }
  auto who = auth_->AuthenticateIdentity(IdentityOfCertificate(cert));
  if (!who.ok()) {
    return ErrorReply(403, "Forbidden", std::string(who.status().message()));
  }
  Reply r = fn(*who);
  spdlog::debug("taxii {} {} {} -> {}", who->ToString(), req.method, req.path,
                r.status);
  return r;
}

void TaxiiServer::Send(absl::string_view route, const Reply& reply,
                       httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (!reply.body.is_null()) {
    res.set_content(reply.body.dump(-1, ' ', false,
                                    nlohmann::json::error_handler_t::replace),
                    kTaxiiMediaType);
  }
  metrics_->CountTaxii(route, reply.status);
}

void TaxiiServer::AddRoutes() {
  using httplib::Request;
  using httplib::Response;
  http_->Get("/taxii2/?", [this](const Request& req, Response& res) {
    const std::string host = req.get_header_value("Host");
    Send("discovery",
         Dispatch(req,
                  [&](const Principal&) {
                    return core_.Discovery(absl::StrCat(
                        "https://", host.empty()
                                        ? absl::StrCat("127.0.0.1:", port_)
                                        : host));
                  }),
         res);
  });
  http_->Get("/api/?", [this](const Request& req, Response& res) {
    Send("api_root",
         Dispatch(req, [&](const Principal&) { return core_.ApiRoot(); }), res);
  });
  http_->Get("/api/collections/?", [this](const Request& req, Response& res) {
    Send("collections",
         Dispatch(req,
                  [&](const Principal& who) { return core_.Collections(who); }),
         res);
  });
  http_->Get(std::string(kCollection) + "?",
             [this](const Request& req, Response& res) {
               Send("collection",
                    Dispatch(req,
                             [&](const Principal& who) {
                               return core_.Collection(who, req.matches[1]);
                             }),
                    res);
             });
  auto paged = [this](const char* route, bool manifest) {
    return [this, route, manifest](const Request& req, Response& res) {
      Send(route,
           Dispatch(req,
                    [&](const Principal& who) {
                      auto q = ParseObjectsQuery(req.params);
                      if (!q.ok()) {
                        return ErrorReply(400, "Bad request",
                                          std::string(q.status().message()));
                      }
                      return manifest ? core_.Manifest(who, req.matches[1], *q)
                                      : core_.Objects(who, req.matches[1], *q);
                    }),
           res);
    };
  };
  http_->Get(std::string(kCollection) + "objects/?", paged("objects", false));
  http_->Get(std::string(kCollection) + "manifest/?", paged("manifest", true));
  http_->Get(std::string(kObject) + "?", [this](const Request& req,
                                                Response& res) {
    Send("object",
         Dispatch(req,
                  [&](const Principal& who) {
                    return core_.Object(who, req.matches[1], req.matches[2]);
                  }),
         res);
  });
  http_->Get(std::string(kObject) + "versions/?", [this](const Request& req,
                                                         Response& res) {
    Send("versions",
         Dispatch(req,
                  [&](const Principal& who) {
                    return core_.Versions(who, req.matches[1], req.matches[2]);
                  }),
         res);
  });
  http_->Get(".*", [this](const Request& req, Response& res) {
    Send("other",
         Dispatch(req,
                  [&](const Principal&) {
                    return ErrorReply(
                        404, "Not found",
                        absl::StrCat("no TAXII resource at ", req.path));
                  }),
         res);
  });
  auto read_only = [this](const Request& req, Response& res) {
    Send("write",
         Dispatch(req,
                  [&](const Principal&) {
                    return ErrorReply(405, "Method not allowed",
                                      "this TAXII server is read-only");
                  }),
         res);
  };
  http_->Post(".*", read_only);
  http_->Put(".*", read_only);
  http_->Delete(".*", read_only);
  http_->Patch(".*", read_only);
}

}  // namespace csx::taxii
