// csx: the csirt-exchange command-line client (SPEC section 4).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/time/time.h"
#include "client/commands.h"
#include "client/settings.h"
#include "common/grpc/grpc_runtime.h"

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_graceful{false};

// SIGINT/SIGTERM: during a pull, finish the current batch, save the cursor
// and exit; otherwise, and on a second signal, exit at once. Installed before
// any other thread starts so that every thread inherits the blocked mask.
void WatchSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    sigwait(&set, &sig);
    if (!g_graceful) _exit(128 + sig);
    g_stop = true;
    sigwait(&set, &sig);
    _exit(128 + sig);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace csx::cli;
  WatchSignals();
  CLI::App app{
      "csx: submit, query, revoke, sight and pull threat indicators on a "
      "csirt-exchange node"};
  app.require_subcommand(1);
  app.fallthrough();
  Settings flags;
  app.add_option("--server", flags.server,
                 "node address HOST:PORT (env CSX_SERVER)");
  app.add_option("--cert", flags.cert,
                 "client certificate, PEM (env CSX_CERT)");
  app.add_option("--key", flags.key, "client private key, PEM (env CSX_KEY)");
  app.add_option("--ca", flags.ca,
                 "CA certificate of the node, PEM (env CSX_CA)");
  app.add_option("--server-name", flags.server_name,
                 "TLS name of the node when not the host");
  app.add_option("--config", flags.config,
                 "client config (default ~/.config/csx/config.yaml)");
  app.add_option("--output,-o", flags.output,
                 "table|json|jsonl|csv|stix|zeek|suricata|rpz|nftables "
                 "(table on a terminal, else jsonl)");

  SubmitArgs submit;
  auto* c_submit =
      app.add_subcommand("submit", "submit one indicator, or a file in bulk");
  c_submit->add_option("--type", submit.type, "indicator type");
  c_submit->add_option("--value", submit.value, "indicator value");
  c_submit->add_option("--tlp", submit.tlp,
                       "CLEAR|GREEN|AMBER|AMBER+STRICT|RED (default AMBER)");
  c_submit->add_option("--confidence", submit.confidence, "0..100 (default 50)")
      ->check(CLI::Range(0, 100));
  c_submit->add_option("--severity", submit.severity,
                       "info|low|medium|high|critical");
  c_submit->add_option("--tag", submit.tags, "label (repeatable)");
  c_submit->add_option("--sector", submit.sectors, "sector (repeatable)");
  c_submit->add_option("--valid-from", submit.valid_from, "RFC 3339 time");
  c_submit->add_option("--valid-until", submit.valid_until, "RFC 3339 time");
  c_submit->add_option("--description", submit.description, "free text");
  c_submit->add_option("--file", submit.file,
                       "file to submit in bulk (- = stdin)");
  c_submit->add_option("--format", submit.format, "auto|csv|jsonl|stix|misp");
  c_submit->add_option("--batch-size", submit.batch_size, "items per request")
      ->check(CLI::Range(1, 10000));

  std::string id, reason;
  uint32_t count = 1;
  auto* c_get = app.add_subcommand("get", "show one indicator");
  c_get->add_option("id", id, "indicator id")->required();

  QueryArgs query;
  auto* c_query = app.add_subcommand("query", "search indicators");
  c_query->add_option("--type", query.type, "indicator type");
  c_query->add_option("--value", query.value, "exact value");
  c_query->add_option("--contains", query.contains,
                      "ip/cidr indicators containing this IP");
  c_query->add_option("--tag", query.tag, "tag");
  c_query->add_option("--sector", query.sector, "sector");
  c_query->add_option("--origin", query.origin, "origin org");
  c_query->add_option("--since", query.since, "modified at or after this time");
  c_query->add_option("--limit", query.limit,
                      "at most this many results (default 100)");
  c_query->add_flag("--include-revoked", query.include_revoked,
                    "also revoked indicators");

  auto* c_revoke =
      app.add_subcommand("revoke", "revoke an indicator of this node's org");
  c_revoke->add_option("id", id, "indicator id")->required();
  c_revoke->add_option("--reason", reason, "why");
  auto* c_sight =
      app.add_subcommand("sight", "report sightings of an indicator");
  c_sight->add_option("id", id, "indicator id")->required();
  c_sight->add_option("--count", count, "how many sightings (default 1)");

  PullArgs pull;
  auto* c_pull = app.add_subcommand("pull", "read the feed from a cursor");
  c_pull->add_option("--since", pull.since, "cursor to resume after");
  c_pull->add_option("--cursor-file", pull.cursor_file,
                     "read and update the cursor here");
  c_pull->add_option("--limit", pull.limit, "stop after this many entries");
  c_pull
      ->add_option("--batch", pull.batch, "entries per request (default 1000)")
      ->check(CLI::Range(1, 10000));
  c_pull->add_flag("--follow", pull.follow,
                   "stay connected and print new entries");

  auto* c_status = app.add_subcommand("status", "node status (admin)");
  auto* c_audit = app.add_subcommand("audit", "audit log (admin)");
  c_audit->require_subcommand(1);
  auto* c_verify =
      c_audit->add_subcommand("verify", "verify the audit hash chain");

  std::string explain_id, explain_partner;
  auto* c_agreements =
      app.add_subcommand("agreements", "sharing agreements (admin)");
  auto* c_ag_list = c_agreements->add_subcommand("list", "list the agreements");
  auto* c_explain = c_agreements->add_subcommand(
      "explain", "say whether an indicator goes to a partner, and why");
  c_explain->add_option("--indicator", explain_id, "indicator id")->required();
  c_explain->add_option("--partner", explain_partner, "partner org id")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "csx: " << e.what() << " (see csx --help)\n";
    return kExitUsage;
  }

  auto settings = ResolveSettings(flags);
  if (!settings.ok()) {
    std::cerr << "csx: " << settings.status().message() << "\n";
    return kExitUsage;
  }
  std::string output = settings->output;
  if (output.empty()) output = isatty(STDOUT_FILENO) ? "table" : "jsonl";
  auto format = csx::formats::ParseOutputFormat(output);
  if (!format.ok()) {
    std::cerr << "csx: --output: " << format.status().message() << "\n";
    return kExitUsage;
  }
  if (absl::Status s = CheckConnectionSettings(*settings); !s.ok()) {
    std::cerr << "csx: " << s.message() << "\n";
    return kExitUsage;
  }
  // Before the stubs, so that it outlives them: see GrpcRuntime. A call's
  // TLS state is freed within milliseconds of the exit; a channel that
  // failed to connect holds gRPC until its reconnect timer (1 s), which is
  // not worth waiting for.
  csx::GrpcRuntime grpc_runtime(absl::Milliseconds(500));
  auto stubs = Connect(*settings);
  if (!stubs.ok()) {
    std::cerr << "csx: " << stubs.status().message() << "\n";
    return kExitUsage;
  }
  CommandContext ctx{
      &*stubs, *format, &std::cout, &std::cerr, isatty(STDERR_FILENO) == 1,
      &g_stop};

  if (c_submit->parsed()) return RunSubmit(ctx, submit);
  if (c_get->parsed()) return RunGet(ctx, id);
  if (c_query->parsed()) return RunQuery(ctx, query);
  if (c_revoke->parsed()) return RunRevoke(ctx, id, reason);
  if (c_sight->parsed()) return RunSight(ctx, id, count);
  if (c_pull->parsed()) {
    g_graceful = true;
    return RunPull(ctx, pull);
  }
  if (c_status->parsed()) return RunStatus(ctx);
  if (c_verify->parsed()) return RunAuditVerify(ctx);
  if (c_explain->parsed()) {
    return RunExplain(ctx, explain_id, explain_partner);
  }
  if (c_agreements->parsed() || c_ag_list->parsed()) {
    return RunAgreementsList(ctx);
  }
  std::cerr << "csx: no command (see csx --help)\n";
  return kExitUsage;
}
