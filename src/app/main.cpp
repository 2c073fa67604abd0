// firstmile: live-streaming ingest server. Wires the configuration, the workers, the stream
// registry and the protocol servers, and stages the shutdown.
#include <sys/resource.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <future>
#include <iostream>
#include <thread>

#include "app/modules.hpp"
#include "app/server.hpp"
#include "core/config.hpp"
#include "core/log.hpp"

int main(int argc, char** argv) {
  using namespace firstmile;
  CLI::App cli{"firstmile: live-streaming ingest server (RTMP in; HLS, RTMP, HTTP-FLV out)"};
  std::string config_path;
  bool print_config = false;
  bool version = false;
  cli.add_option("-c,--config", config_path, "YAML configuration file (every key has a default)");
  cli.add_flag("--print-config", print_config, "print the effective configuration and exit");
  cli.add_flag("--version", version, "print the version and exit");
  CLI11_PARSE(cli, argc, argv);

  if (version) {
    std::cout << "firstmile " FIRSTMILE_VERSION "\n";
    return 0;
  }

  Config config;
  try {
    if (!config_path.empty()) config = load_config_file(config_path, config_schema());
    if (config.node_id.empty()) {
      char host[256] = {};
      gethostname(host, sizeof host - 1);
      config.node_id = host[0] ? host : "firstmile";
    }
  } catch (const ConfigError& e) {
    std::cerr << "firstmile: configuration error: " << e.what() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << dump_config(config, config_schema());
    return 0;
  }

  // Each connection is a descriptor: raise the soft limit to the hard one, as nginx's
  // worker_rlimit_nofile does, so limits.max_connections and not the default 1024 decides.
  if (rlimit nofile{};
      getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }

  try {
    Server server(config, config_path);
    return server.run();
  } catch (const std::exception& e) {
    std::cerr << "firstmile: " << e.what() << "\n";
    return 1;
  }
}
