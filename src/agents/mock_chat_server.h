// For tests only: a local OpenAI-compatible chat-completions server (cpp-httplib, in the test's
// process) that answers each POST /v1/chat/completions with the next scripted reply and keeps
// every request body it saw. Used by the agent's unit tests and the loop's end-to-end tests.
#pragma once

#include <httplib.h>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json_io.h"

namespace kda::agents {

class MockChatServer {
 public:
  using Reply = std::function<void(const Json& request, httplib::Response&)>;

  MockChatServer() {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      Json request = Json::parse(req.body);
      Reply reply;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
        if (!replies_.empty()) {
          reply = std::move(replies_.front());
          replies_.pop_front();
        }
      }
      if (!reply) {
        res.status = 500;
        res.set_content("no scripted reply left", "text/plain");
        return;
      }
      reply(request, res);  // outside the lock: a reply may sleep to play a slow server
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~MockChatServer() {
    server_.stop();
    thread_.join();
  }
  MockChatServer(const MockChatServer&) = delete;
  MockChatServer& operator=(const MockChatServer&) = delete;

  void then(Reply r) {
    std::lock_guard<std::mutex> lock(mu_);
    replies_.push_back(std::move(r));
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<Json> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t replies_left() {
    std::lock_guard<std::mutex> lock(mu_);
    return replies_.size();
  }

  /// A chat.completion answer whose message is computed from the request, with this usage.
  static Reply answer_from(std::function<Json(const Json& request)> message, long prompt_tokens, long completion_tokens) {
    return [=](const Json& request, httplib::Response& res) {
      const Json body = {{"id", "c"}, {"object", "chat.completion"},
                         {"choices", {{{"index", 0}, {"message", message(request)}, {"finish_reason", "stop"}}}},
                         {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}}}};
      res.set_content(body.dump(), "application/json");
    };
  }
  static Reply answer(const Json& message, long prompt_tokens = 100, long completion_tokens = 10) {
    return answer_from([message](const Json&) { return message; }, prompt_tokens, completion_tokens);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<Reply> replies_;
  std::vector<Json> requests_;
};

}  // namespace kda::agents
