#include "serve/server.h"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/utf8.h"
#include "report/html.h"
#include "report/model.h"

namespace kda::serve {
namespace {

bool equal_constant_time(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string make_token() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char b[16];
  if (!in.read(reinterpret_cast<char*>(b), sizeof b)) fail(ErrorKind::kEnvironment, "cannot read /dev/urandom for a token");
  std::string out;
  char h[3];
  for (unsigned char c : b) {
    std::snprintf(h, sizeof h, "%02x", c);
    out += h;
  }
  return out;
}

struct Server::Impl {
  ServeOptions opt;
  httplib::Server http;
  std::mutex mu;
  std::condition_variable changed;
  uint64_t version = 0;       // bumped whenever the model is rebuilt with a change
  std::string model_text;     // the model without trace bodies
  Json bodies;                // id -> trace
  std::string fingerprint;
  std::string last_error;     // a rebuild that failed (a file mid-write): the last good model stays
  std::atomic<bool> stopping{false};
  std::thread watcher;

  void rebuild(bool force) {
    std::string fp = report::fingerprint(opt.path);
    {
      std::lock_guard<std::mutex> l(mu);
      if (!force && fp == fingerprint) return;
    }
    try {
      Json m = report::build_model(opt.path);
      Json b = std::move(m["trace_bodies"]);
      m.erase("trace_bodies");
      std::string text = dump_json(m);
      std::lock_guard<std::mutex> l(mu);
      fingerprint = fp;
      model_text = std::move(text);
      bodies = std::move(b);
      last_error.clear();
      ++version;
    } catch (const Error& e) {
      if (force) throw;
      std::lock_guard<std::mutex> l(mu);
      last_error = e.what();
    }
    changed.notify_all();
  }

  bool authorized(const httplib::Request& req) const {
    if (opt.token.empty()) return true;
    std::string given = req.has_param("token") ? req.get_param_value("token") : "";
    const std::string auth = req.get_header_value("Authorization");
    if (given.empty() && auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
    return equal_constant_time(given, opt.token);
  }

  void routes() {
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Content-Type-Options", "nosniff");
      if (req.method != "GET" && req.method != "HEAD") {
        res.status = 405;
        res.set_header("Allow", "GET");
        res.set_content("kda serve is read-only\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (!authorized(req)) {
        res.status = 401;
        res.set_content("kda serve: this server requires its token (printed when it started): add ?token=...\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'");
      res.set_content(report::render_live_html(opt.token), "text/html; charset=utf-8");
    });
    http.Get("/api/report", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu);
      res.set_header("X-Kda-Model-Version", std::to_string(version));
      if (!last_error.empty()) res.set_header("X-Kda-Stale", "1");
      res.set_content(model_text, "application/json");
    });
    http.Get("/api/trace", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.get_param_value("id");
      std::lock_guard<std::mutex> l(mu);
      if (!bodies.contains(id)) {
        res.status = 404;
        res.set_content(dump_json(Json{{"error", "no trace with id " + id}}), "application/json");
        return;
      }
      res.set_content(dump_json(bodies[id]), "application/json");
    });
    http.Get("/api/events", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/event-stream", [this, seen = uint64_t(0)](size_t, httplib::DataSink& sink) mutable {
        std::unique_lock<std::mutex> l(mu);
        // Heartbeat every 10 s so that a proxy or a dead peer is noticed; otherwise wake on change.
        changed.wait_for(l, std::chrono::seconds(10), [&] { return stopping.load() || version != seen; });
        if (stopping) {
          sink.done();
          return false;
        }
        std::string msg = version != seen ? "event: model\ndata: " + std::to_string(version) + "\n\n" : ": heartbeat\n\n";
        seen = version;
        l.unlock();
        return sink.write(msg.data(), msg.size());
      });
    });
  }
};

Server::Server(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  if (!is_loopback(impl_->opt.host) && impl_->opt.token.empty())
    fail(ErrorKind::kUsage, "kda serve: binding to " + impl_->opt.host + " (not loopback) requires a token");
  impl_->rebuild(true);
  impl_->routes();
}

Server::~Server() {
  stop();
  if (impl_->watcher.joinable()) impl_->watcher.join();
}

int Server::bind() {
  Impl& s = *impl_;
  int port = s.opt.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.opt.host);
    if (port < 0) fail(ErrorKind::kEnvironment, "kda serve: cannot bind to " + s.opt.host);
  } else if (!s.http.bind_to_port(s.opt.host, port)) {
    fail(ErrorKind::kEnvironment, "kda serve: cannot bind to " + s.opt.host + ":" + std::to_string(port) +
                                      " (in use? try --port 0 for any free port)");
  }
  return port;
}

void Server::listen() {
  Impl& s = *impl_;
  s.watcher = std::thread([&s] {
    while (!s.stopping) {
      std::this_thread::sleep_for(s.opt.poll);
      if (!s.stopping) s.rebuild(false);
    }
  });
  s.http.listen_after_bind();
}

void Server::stop() {
  impl_->stopping = true;
  impl_->changed.notify_all();
  impl_->http.stop();
}

}  // namespace kda::serve
