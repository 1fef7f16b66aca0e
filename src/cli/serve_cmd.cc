// kda serve [PATH] [--port N] [--host H] [--token T]: the report's views, live, in a browser
// (docs/report.md). Read-only; bound to loopback unless --host says otherwise, and then only
// with a token (printed at start). SIGINT/SIGTERM stop it (exit 0).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "serve/server.h"

namespace kda::cli {

void add_serve_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("serve", "Show a task, run or dataset live in a browser (read-only)");
  struct Opts {
    std::string path = ".";           ///< task directory, run directory or dataset
    int port = 8765;                  ///< 0: any free port (printed)
    std::string host = "127.0.0.1";   ///< anything but loopback requires a token
    std::string token;                ///< default $KDA_SERVE_TOKEN, else made up off loopback
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("PATH", o->path, "Task directory, run directory or dataset (default .)");
  cmd->add_option("--port", o->port, "Port (default 8765; 0 for any free one)")->check(CLI::Range(0, 65535));
  cmd->add_option("--host", o->host, "Address to bind (default 127.0.0.1; others require a token)");
  cmd->add_option("--token", o->token, "Token every request must carry (default $KDA_SERVE_TOKEN; made up off loopback)");
  cmd->callback([o] {
    serve::ServeOptions so;
    so.path = o->path;
    so.host = o->host;
    so.port = o->port;
    so.token = o->token;
    if (so.token.empty())
      if (const char* t = std::getenv("KDA_SERVE_TOKEN"); t && *t) so.token = t;
    if (so.token.empty() && !serve::is_loopback(so.host)) so.token = serve::make_token();
    // Block the stop signals before any thread starts; one thread waits for them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    serve::Server server(so);
    const int port = server.bind();
    const std::string host = so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host;
    const std::string url = "http://" + host + ":" + std::to_string(port) + "/" + (so.token.empty() ? "" : "?token=" + so.token);
    std::cout << url << std::endl;
    std::fprintf(stderr, "kda: serving %s read-only at %s%s (Ctrl-C stops)\n", o->path.c_str(), url.c_str(),
                 so.token.empty() ? "" : "; every request needs this token");
    std::thread waiter([&server, stop_signals] {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      server.stop();
    });
    server.listen();
    pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if listen ended otherwise
    waiter.join();
  });
}

}  // namespace kda::cli
