// csx pull: the feed from a cursor, once or following live changes.
#include <google/protobuf/arena.h>

#include <algorithm>
#include <thread>

#include "absl/synchronization/notification.h"
#include "client/commands.h"
#include "client/cursor_file.h"

namespace csx::cli {
namespace {

class FeedOutput {
 public:
  FeedOutput(const CommandContext& ctx, const PullArgs& args)
      : ctx_(ctx), args_(args), writer_(ctx.format, *ctx.out) {}

  // Writes a batch, then records its cursor. False on a cursor-file error.
  bool Emit(const v1::PullResponse& batch) {
    for (const auto& e : batch.entries()) writer_.WriteEntry(e);
    writer_.EndBatch();
    total_ += batch.entries_size();
    ctx_.out->flush();
    cursor_ = batch.cursor();
    // A format that prints at the end records the cursor only then.
    return writer_.BuffersUntilFinish() || SaveCursor();
  }

  // The batch size to ask for next; 0 once the limit is reached.
  int NextBatch() const {
    if (args_.limit <= 0) return args_.batch;
    return static_cast<int>(
        std::min<int64_t>(args_.batch, args_.limit - total_));
  }
  bool Stopped() const { return ctx_.stop != nullptr && ctx_.stop->load(); }
  const std::string& cursor() const { return cursor_; }
  void set_cursor(std::string c) { cursor_ = std::move(c); }

  // Prints what the format held back, then records the cursor. False on a
  // cursor-file error.
  bool Finish() {
    writer_.Finish();
    ctx_.out->flush();
    // Without a cursor file, tell the user where to resume.
    if (args_.cursor_file.empty()) {
      *ctx_.err << "cursor: " << cursor_ << "\n";
      return true;
    }
    return !writer_.BuffersUntilFinish() || SaveCursor();
  }

 private:
  bool SaveCursor() {
    if (args_.cursor_file.empty()) return true;
    // Entries that did not reach the output (a full disk, a closed pipe)
    // must come again on the next pull: the cursor stays where it was.
    ctx_.out->flush();
    if (!*ctx_.out) {
      *ctx_.err << "csx: pull: writing the output failed; " << args_.cursor_file
                << " was not advanced\n";
      return false;
    }
    absl::Status s = WriteCursorFile(args_.cursor_file, cursor_);
    if (!s.ok()) {
      *ctx_.err << "csx: pull: " << s.message() << "\n";
      return false;
    }
    return true;
  }

  const CommandContext& ctx_;
  const PullArgs& args_;
  formats::IndicatorWriter writer_;
  int64_t total_ = 0;
  std::string cursor_;
};

int PullOnce(const CommandContext& ctx, FeedOutput& out) {
  while (!out.Stopped()) {
    const int want = out.NextBatch();
    if (want <= 0) break;
    v1::PullRequest req;
    req.set_cursor(out.cursor());
    req.set_limit(static_cast<uint32_t>(want));
    // A page is up to 10 000 entries: parsed into one arena and freed at
    // once, instead of some ten allocations per entry.
    google::protobuf::Arena arena;
    auto* resp =
        google::protobuf::Arena::CreateMessage<v1::PullResponse>(&arena);
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(60));
    grpc::Status s = ctx.stubs->feed->Pull(&call, req, resp);
    if (!s.ok()) return ReportRpcError(ctx, "pull", s);
    if (!out.Emit(*resp)) return kExitUsage;
    if (!resp->more()) break;
  }
  return kExitOk;
}

int Follow(const CommandContext& ctx, FeedOutput& out) {
  while (!out.Stopped()) {
    const int want = out.NextBatch();
    if (want <= 0) break;
    v1::SubscribeRequest req;
    req.set_cursor(out.cursor());
    req.set_max_batch(static_cast<uint32_t>(want));
    grpc::ClientContext call;
    absl::Notification done;
    // Cancels the stream when a signal asks csx to stop.
    std::thread watcher([&] {
      while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
        if (out.Stopped()) {
          call.TryCancel();
          return;
        }
      }
    });
    auto reader = ctx.stubs->feed->Subscribe(&call, req);
    v1::PullResponse batch;
    bool reopen = false;
    while (reader->Read(&batch)) {
      if (!out.Emit(batch)) {
        call.TryCancel();
        break;
      }
      if (out.NextBatch() < want) {
        // The limit is near: reopen with a smaller batch so that it is exact.
        reopen = true;
        call.TryCancel();
        break;
      }
    }
    grpc::Status s = reader->Finish();
    done.Notify();
    watcher.join();
    if (reopen || out.Stopped()) continue;
    if (!s.ok()) return ReportRpcError(ctx, "pull", s);
    return kExitOk;  // server ended the stream
  }
  return kExitOk;
}

}  // namespace

int RunPull(const CommandContext& ctx, const PullArgs& args) {
  if (!args.since.empty() && !args.cursor_file.empty()) {
    *ctx.err
        << "csx: pull: --since and --cursor-file cannot be used together\n";
    return kExitUsage;
  }
  if (args.limit < 0 || args.batch <= 0) {
    *ctx.err << "csx: pull: --limit and --batch must be positive\n";
    return kExitUsage;
  }
  FeedOutput out(ctx, args);
  out.set_cursor(args.since);
  if (!args.cursor_file.empty()) {
    auto c = ReadCursorFile(args.cursor_file);
    if (!c.ok()) {
      *ctx.err << "csx: pull: " << c.status().message() << "\n";
      return kExitUsage;
    }
    out.set_cursor(*c);
  }
  const int rc = args.follow ? Follow(ctx, out) : PullOnce(ctx, out);
  if (!out.Finish() && rc == kExitOk) return kExitUsage;
  return rc;
}

}  // namespace csx::cli
