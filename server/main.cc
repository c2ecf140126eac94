// csxd: the csirt-exchange node daemon.
//   csxd --config node.yaml [--check-config] [--port-file F]
//        [--log-format text|json] [--log-level info]
// SIGHUP reloads the config; SIGTERM and SIGINT drain calls and exit.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/grpc_runtime.h"
#include "server/config/config_loader.h"
#include "server/daemon.h"
#include "server/logging.h"
#include "server/preflight.h"

int main(int argc, char** argv) {
  CLI::App app{"csxd: csirt-exchange node daemon"};
  std::string config_path;
  std::string port_file;
  bool check_only = false;
  app.add_option("--config", config_path, "node configuration (YAML)")
      ->required();
  app.add_flag("--check-config", check_only,
               "validate the configuration and exit");
  app.add_option("--port-file", port_file,
                 "write the bound port to this file once serving");
  std::string log_format = "text";
  std::string log_level = "info";
  app.add_option("--log-format", log_format, "text or json (one object a line)")
      ->capture_default_str();
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // Logs go to stderr (journald or the container log); stdout stays quiet.
  if (absl::Status s = csx::ConfigureLogging(log_format, log_level); !s.ok()) {
    std::fprintf(stderr, "csxd: %s\n", std::string(s.message()).c_str());
    return 1;
  }

  auto config = csx::LoadAndValidateConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "csxd: %s: %s\n", config_path.c_str(),
                 std::string(config.status().message()).c_str());
    return 1;
  }
  if (check_only) {
    auto warnings = csx::Preflight(*config, absl::Now());
    if (!warnings.ok()) {
      std::fprintf(stderr, "csxd: %s: %s\n", config_path.c_str(),
                   std::string(warnings.status().message()).c_str());
      return 1;
    }
    for (const auto& w : *warnings) {
      std::fprintf(stderr, "csxd: %s: warning: %s\n", config_path.c_str(),
                   w.c_str());
    }
    std::printf("%s: configuration OK\n", config_path.c_str());
    return 0;
  }
  for (const auto& w : csx::ConfigWarnings(*config, absl::Now())) {
    spdlog::warn("{}", w);
  }

  // A client that closes its TLS connection while the TAXII or metrics
  // server is still writing must cost that one connection, not the process:
  // OpenSSL writes through write(2), which raises SIGPIPE on a closed socket.
  signal(SIGPIPE, SIG_IGN);
  // Signals are taken synchronously by this thread; block them before any
  // other thread starts so that they all inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Before the daemon, so that it outlives it: see GrpcRuntime.
  csx::GrpcRuntime grpc_runtime;
  auto daemon = csx::Daemon::Start(*config);
  if (!daemon.ok()) {
    spdlog::critical("cannot start: {}", daemon.status().ToString());
    return 1;
  }
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    { std::ofstream(tmp) << (*daemon)->port() << "\n"; }
    std::rename(tmp.c_str(), port_file.c_str());
  }
  const uint32_t drain = config->limits().drain_seconds();
  while (true) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      absl::Status s = (*daemon)->ReloadFrom(config_path);
      if (s.ok()) {
        spdlog::info("configuration reloaded from {}", config_path);
      } else {
        spdlog::error(
            "reload refused, previous configuration stays in force: {}",
            s.ToString());
      }
      continue;
    }
    spdlog::info("signal {}: draining calls and stopping", sig);
    (*daemon)->Shutdown(absl::Seconds(drain ? drain : 10));
    spdlog::info("stopped");
    return 0;
  }
}
