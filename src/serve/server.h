// kda serve (docs/report.md): the report's views, live, over HTTP. A watcher thread rebuilds the
// model (report/model.h) when a file it is built from changes (polled every `poll`), and every
// open page is told so over server-sent events, then fetches the model again.
//
// Read-only: only GET is answered; the page can fetch the model, one trace and the event
// stream, nothing else. Bound to loopback by default; bound anywhere else it requires a token
// (a query parameter `token` or `Authorization: Bearer`), compared in constant time, on every
// request, including those that come from loopback.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace kda::serve {

struct ServeOptions {
  std::filesystem::path path;     ///< task directory, run directory or dataset
  std::string host = "127.0.0.1";
  int port = 8765;                ///< 0: any free port
  std::string token;              ///< required when non-empty; must be non-empty off loopback
  std::chrono::milliseconds poll{200};
};

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

/// 32 random hex digits from the kernel's CSPRNG.
std::string make_token();

class Server {
 public:
  /// kUsage when a non-loopback host has no token; builds the first model (its errors propagate).
  explicit Server(ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds (kEnvironment when the port is taken) and returns the port bound.
  int bind();
  /// Serves until stop(); call after bind().
  void listen();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kda::serve
