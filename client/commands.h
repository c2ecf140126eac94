// The csx commands. Each takes the stubs and an output context, prints data
// to `out` and one line per error to `err`, and returns a SPEC exit code.
#ifndef CSX_CLIENT_COMMANDS_H_
#define CSX_CLIENT_COMMANDS_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "client/connection.h"
#include "client/exit_codes.h"
#include "client/formats/output.h"

namespace csx::cli {

struct CommandContext {
  Stubs* stubs;
  formats::OutputFormat format;
  std::ostream* out;
  std::ostream* err;
  bool progress = false;  // draw a progress bar on `err`
  // Set by a signal: stop after the current batch (pull).
  const std::atomic<bool>* stop = nullptr;
};

struct SubmitArgs {
  std::string type, value, tlp, severity, description, valid_until, valid_from;
  int confidence = -1;  // -1 = not given
  std::vector<std::string> tags, sectors;
  std::string file;  // bulk mode when set ("-" = stdin)
  std::string format = "auto";
  int batch_size = 1000;
};

struct QueryArgs {
  std::string type, value, contains, tag, sector, origin, since;
  bool include_revoked = false;
  int limit = 100;
};

struct PullArgs {
  std::string since;  // cursor to start after
  std::string
      cursor_file;    // read the start cursor here, update after each batch
  int64_t limit = 0;  // stop after this many entries; 0 = no limit
  bool follow = false;
  int batch = 1000;
};

int RunSubmit(const CommandContext& ctx, const SubmitArgs& args);
int RunGet(const CommandContext& ctx, const std::string& id);
int RunQuery(const CommandContext& ctx, const QueryArgs& args);
int RunRevoke(const CommandContext& ctx, const std::string& id,
              const std::string& reason);
int RunSight(const CommandContext& ctx, const std::string& id, uint32_t count);
int RunPull(const CommandContext& ctx, const PullArgs& args);
int RunStatus(const CommandContext& ctx);
int RunAuditVerify(const CommandContext& ctx);
int RunAgreementsList(const CommandContext& ctx);
int RunExplain(const CommandContext& ctx, const std::string& indicator_id,
               const std::string& partner);

// Prints "csx: <what>: <message>" and returns the exit code for `s`.
int ReportRpcError(const CommandContext& ctx, const std::string& what,
                   const grpc::Status& s);

}  // namespace csx::cli

#endif  // CSX_CLIENT_COMMANDS_H_
