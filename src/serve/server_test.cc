// kda serve over real HTTP (cpp-httplib client against the server on a free loopback port).
#include "serve/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "core/error.h"
#include "core/fs.h"

namespace fs = std::filesystem;

namespace {

fs::path make_task() {
  fs::path dir = kda::make_temp_dir("kda-serve-test");
  fs::copy_file(fs::path(KDA_SOURCE_DIR) / "examples/vector_add/definition.json", dir / "definition.json");
  fs::copy_file(fs::path(KDA_SOURCE_DIR) / "examples/vector_add/workloads.jsonl", dir / "workloads.jsonl");
  return dir;
}

struct Running {
  kda::serve::Server server;
  int port;
  std::thread th;
  explicit Running(kda::serve::ServeOptions o) : server(std::move(o)), port(server.bind()), th([this] { server.listen(); }) {}
  ~Running() {
    server.stop();
    th.join();
  }
};

}  // namespace

TEST(Serve, ANonLoopbackAddressWithoutATokenIsRefused) {
  kda::serve::ServeOptions o;
  o.path = make_task();
  o.host = "0.0.0.0";
  EXPECT_THROW(kda::serve::Server s(o), kda::Error);
  EXPECT_TRUE(kda::serve::is_loopback("127.0.0.1"));
  EXPECT_FALSE(kda::serve::is_loopback("0.0.0.0"));
  EXPECT_EQ(kda::serve::make_token().size(), 32u);
}

TEST(Serve, EveryRequestNeedsTheTokenWhenOneIsSetAndNothingButGetIsAnswered) {
  kda::serve::ServeOptions o;
  o.path = make_task();
  o.port = 0;
  o.token = "s3cret";
  Running r(o);
  httplib::Client c("127.0.0.1", r.port);
  auto no = c.Get("/api/report");
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status, 401);
  auto bad = c.Get("/api/report?token=s3creT");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  auto yes = c.Get("/api/report?token=s3cret");
  ASSERT_TRUE(yes);
  EXPECT_EQ(yes->status, 200);
  EXPECT_NE(yes->body.find("\"kda_report\":1"), std::string::npos);
  auto bearer = c.Get("/", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 200);
  auto post = c.Post("/api/report?token=s3cret", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST(Serve, AChangedFileIsAnnouncedOnTheEventStream) {
  kda::serve::ServeOptions o;
  o.path = make_task();
  o.port = 0;
  o.poll = std::chrono::milliseconds(50);
  Running r(o);
  std::string got;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    fs::create_directories(o.path / ".kda");
    kda::write_file_atomic(o.path / ".kda" / "audit.jsonl", "");
  });
  httplib::Client c("127.0.0.1", r.port);
  c.set_read_timeout(5, 0);
  int events = 0;
  c.Get("/api/events", [&](const char* data, size_t n) {
    got.append(data, n);
    events = 0;
    for (size_t p = 0; (p = got.find("event: model", p)) != std::string::npos; ++p) ++events;
    return events < 2;  // the first on connect, the second after the change
  });
  writer.join();
  EXPECT_EQ(events, 2) << got;
}
