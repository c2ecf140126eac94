// Baselines measured in the same run as the scenarios.
#include <fcntl.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/canonical.h"
#include "server/store/sqlite/sqlite_handle.h"
#include "server/store/sqlite/sqlite_store.h"
#include "server/store/sqlite/value_key.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
// Not in the anonymous namespace: QueryBaselines::State holds one.
namespace internal {

// Receives submissions, lets gRPC parse them, and keeps nothing.
class DiscardService final : public v1::IndicatorService::Service {
 public:
  grpc::Status SubmitStream(grpc::ServerContext*,
                            grpc::ServerReader<v1::SubmitRequest>* reader,
                            v1::SubmitResponse* resp) override {
    v1::SubmitRequest req;
    uint64_t n = 0;
    while (reader->Read(&req)) n += static_cast<uint64_t>(req.items_size());
    resp->set_created(n);
    return grpc::Status::OK;
  }

  grpc::Status Query(grpc::ServerContext*, const v1::QueryRequest*,
                     v1::QueryResponse* resp) override {
    *resp = answer;
    return grpc::Status::OK;
  }

  v1::QueryResponse answer;  // set before the server starts
};

// Serves `service` on 127.0.0.1 over the node's mutual TLS; `port` is the
// port it got.
std::unique_ptr<grpc::Server> StartDiscardServer(const std::string& certs,
                                                 DiscardService& service,
                                                 int& port) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ReadText(certs + "/ca.crt");
  options.pem_key_cert_pairs.push_back(
      {ReadText(certs + "/node.key"), ReadText(certs + "/node.crt")});
  grpc::ServerBuilder builder;
  port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(options),
                           &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (port == 0) return nullptr;
  return server;
}

}  // namespace internal

namespace {

using internal::DiscardService;
using internal::StartDiscardServer;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

uint64_t Count(const std::vector<v1::SubmitRequest>& requests) {
  uint64_t n = 0;
  for (const auto& r : requests) n += static_cast<uint64_t>(r.items_size());
  return n;
}

}  // namespace

absl::StatusOr<double> TransportBaseline(
    const Context&, const std::string& certs,
    const std::vector<v1::SubmitRequest>& requests) {
  DiscardService service;
  int port = 0;
  auto server = StartDiscardServer(certs, service, port);
  if (!server) return absl::InternalError("baseline server did not start");
  auto stub = v1::IndicatorService::NewStub(MakeChannel(
      absl::StrCat("127.0.0.1:", port), certs + "/ca.crt", certs + "/analyst"));
  auto seconds = StreamAll(*stub, requests);
  server->Shutdown();
  if (!seconds.ok()) return seconds.status();
  return static_cast<double>(Count(requests)) / *seconds;
}

absl::StatusOr<double> StorageBaseline(
    const Context&, const std::string& dir,
    const std::vector<v1::SubmitRequest>& requests) {
  const std::string path = dir + "/baseline.db";
  std::filesystem::remove(path);
  {
    // The store creates the schema and indexes it ships with.
    auto store = SqliteStore::Open(path);
    if (!store.ok()) return store.status();
  }
  // The node's own connection settings, with synchronous=FULL: one flush
  // of the log per commit, the durability of an acknowledged submission.
  auto db = OpenSqlite(path, /*read_only=*/false);
  if (!db.ok()) return db.status();
  auto value_key = ValueKey::OfStore(db->get(), /*create=*/false);
  if (!value_key.ok()) return value_key.status();
  // Each row's value key, as an index of the table would hold it.
  auto key = Statement::Prepare(db->get(),
                                "INSERT INTO value_keys(k, rid) VALUES (?, ?)");
  if (!key.ok()) return key.status();
  auto insert = Statement::Prepare(
      db->get(),
      "INSERT INTO indicators(id, type, value, origin, modified, revoked, "
      "expired, valid_until, tags, sectors, seq) VALUES "
      "(?,?,?,?,?,0,0,NULL,?,?,?)");
  if (!insert.ok()) return insert.status();
  auto change = Statement::Prepare(
      db->get(),
      "INSERT INTO changes(op, time, indicator_id, data) VALUES (1,?,?,?)");
  if (!change.ok()) return change.status();
  const auto start = std::chrono::steady_clock::now();
  uint64_t row = 0;
  for (const auto& req : requests) {
    if (absl::Status s = Exec(db->get(), "BEGIN IMMEDIATE"); !s.ok()) return s;
    for (const auto& in : req.items()) {
      v1::Indicator ind;
      ind.set_id(absl::StrCat("baseline-", ++row));
      auto type = ParseIndicatorType(in.type());
      ind.set_type(type.ok() ? *type : v1::TYPE_UNSPECIFIED);
      ind.set_value(in.value());
      ind.set_origin("cl.csirt");
      *ind.mutable_tags() = in.tags();
      *ind.mutable_sectors() = in.sectors();
      change->Reset();
      change->BindInt(1, static_cast<int64_t>(row));
      change->BindText(2, ind.id());
      change->BindBlob(3, ind.SerializeAsString());
      if (absl::Status s = change->Run(); !s.ok()) return s;
      insert->Reset();
      insert->BindText(1, ind.id());
      insert->BindInt(2, ind.type());
      insert->BindText(3, ind.value());
      insert->BindText(4, ind.origin());
      insert->BindInt(5, static_cast<int64_t>(row));
      insert->BindText(6, "|botnet|");
      insert->BindText(7, "|finance|");
      insert->BindInt(8, sqlite3_last_insert_rowid(db->get()));
      if (absl::Status s = insert->Run(); !s.ok()) return s;
      key->Reset();
      key->BindInt(1, value_key->Of(ind.type(), ind.value()));
      key->BindInt(2, sqlite3_last_insert_rowid(db->get()));
      if (absl::Status s = key->Run(); !s.ok()) return s;
    }
    if (absl::Status s = Exec(db->get(), "COMMIT"); !s.ok()) return s;
  }
  const double seconds = Seconds(start);
  return static_cast<double>(row) / seconds;
}

struct QueryBaselines::State {
  internal::DiscardService service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::IndicatorService::Stub> stub;
  SqliteDbPtr db;
  std::optional<ValueKey> value_key;
  std::optional<Statement> lookup;
};

QueryBaselines::QueryBaselines(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

QueryBaselines::~QueryBaselines() {
  if (state_->server) state_->server->Shutdown();
}

absl::StatusOr<std::unique_ptr<QueryBaselines>> QueryBaselines::Start(
    const std::string& certs, const std::string& db_path,
    v1::QueryResponse answer) {
  auto state = std::make_unique<State>();
  state->service.answer = std::move(answer);
  int port = 0;
  state->server = StartDiscardServer(certs, state->service, port);
  if (!state->server) {
    return absl::InternalError("query baseline server did not start");
  }
  state->stub = v1::IndicatorService::NewStub(MakeChannel(
      absl::StrCat("127.0.0.1:", port), certs + "/ca.crt", certs + "/reader"));
  auto db = OpenSqlite(db_path, /*read_only=*/true);
  if (!db.ok()) return db.status();
  state->db = *std::move(db);
  auto value_key = ValueKey::OfStore(state->db.get(), /*create=*/false);
  if (!value_key.ok()) return value_key.status();
  state->value_key = *value_key;
  // The statement of the node's exact query (SqliteStore::Query).
  auto lookup = Statement::Prepare(
      state->db.get(),
      absl::StrCat("SELECT rid, data FROM indicators CROSS JOIN changes "
                   "USING(seq) WHERE rid > 0 AND ",
                   ValueKey::RidsOf("?1"),
                   " AND ((type = ?2 AND value = ?3)) AND revoked = 0 "
                   "ORDER BY rid LIMIT 101"));
  if (!lookup.ok()) return lookup.status();
  state->lookup.emplace(*std::move(lookup));
  return std::unique_ptr<QueryBaselines>(new QueryBaselines(std::move(state)));
}

absl::StatusOr<double> QueryBaselines::TransportMs(
    const v1::QueryRequest& req) {
  v1::QueryResponse resp;
  grpc::ClientContext call;
  const auto t = std::chrono::steady_clock::now();
  grpc::Status s = state_->stub->Query(&call, req, &resp);
  const double ms = Seconds(t) * 1e3;
  if (!s.ok()) {
    return absl::InternalError("baseline Query: " + s.error_message());
  }
  return ms;
}

absl::StatusOr<double> QueryBaselines::StorageMs(v1::IndicatorType type,
                                                 const std::string& value) {
  Statement& s = *state_->lookup;
  const auto t = std::chrono::steady_clock::now();
  s.Reset();
  s.BindInt(1, state_->value_key->Of(type, value));
  s.BindInt(2, type);
  s.BindText(3, value);
  int found = 0;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const absl::string_view blob = s.ColumnBlob(1);
    v1::Indicator ind;
    if (!ind.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
      return absl::DataLossError("baseline lookup: unreadable version");
    }
    ++found;
  }
  const double ms = Seconds(t) * 1e3;
  if (found == 0) {
    return absl::NotFoundError("baseline lookup found nothing for " + value);
  }
  return ms;
}

absl::StatusOr<FsyncLatency> FsyncBaseline(const std::string& dir,
                                           int samples) {
  const std::string path = dir + "/fsync.probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::InternalError("fsync probe: cannot create " + path);
  const std::string block(4096, 'x');
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const off_t at = static_cast<off_t>(i % 16) * 4096;
    if (::pwrite(fd, block.data(), block.size(), at) !=
        static_cast<ssize_t>(block.size())) {
      ::close(fd);
      return absl::InternalError("fsync probe: write failed");
    }
    const auto t = std::chrono::steady_clock::now();
    ::fdatasync(fd);
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - t)
                     .count());
  }
  ::close(fd);
  std::filesystem::remove(path);
  FsyncLatency out;
  out.p50 = Percentile(ms, 50);
  out.p99 = Percentile(ms, 99);
  return out;
}

}  // namespace csx::bench
