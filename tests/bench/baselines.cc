// Baselines measured in the same run as the scenarios.
#include <fcntl.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/canonical.h"
#include "server/store/sqlite/sqlite_handle.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
namespace {

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
};

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
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ReadText(certs + "/ca.crt");
  options.pem_key_cert_pairs.push_back(
      {ReadText(certs + "/node.key"), ReadText(certs + "/node.crt")});
  DiscardService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(options),
                           &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    return absl::InternalError("baseline server did not start");
  }
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
    }
    if (absl::Status s = Exec(db->get(), "COMMIT"); !s.ok()) return s;
  }
  const double seconds = Seconds(start);
  return static_cast<double>(row) / seconds;
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
