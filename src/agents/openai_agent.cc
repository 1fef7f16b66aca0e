#include "agents/openai_agent.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "agents/http_client.h"
#include "agents/workspace_tools.h"
#include "core/error.h"
#include "core/json_io.h"

namespace kda::agents {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// One assistant turn, however it arrived (one JSON body or a stream of deltas).
struct Turn {
  std::string content;
  Json tool_calls = Json::array();  // [{id, type, function: {name, arguments}}]
  long prompt_tokens = 0, completion_tokens = 0;
};

// Throws std::runtime_error for anything that is not a chat-completions answer.
Turn parse_body(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("the answer is not JSON");
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() || !j["choices"][0].is_object() ||
      !j["choices"][0].contains("message") || !j["choices"][0]["message"].is_object())
    throw std::runtime_error("the answer has no choices[0].message");
  const Json& m = j["choices"][0]["message"];
  Turn t;
  if (m.contains("content") && m["content"].is_string()) t.content = m["content"];
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) t.tool_calls = m["tool_calls"];
  if (j.contains("usage") && j["usage"].is_object()) {
    t.prompt_tokens = j["usage"].value("prompt_tokens", 0L);
    t.completion_tokens = j["usage"].value("completion_tokens", 0L);
  }
  return t;
}

// Server-sent events: "data: {chunk}" lines, events split by blank lines, "data: [DONE]" last.
// Tool-call deltas arrive in pieces keyed by index; their argument strings are concatenated.
Turn parse_stream(const std::string& body) {
  Turn t;
  bool done = false, any = false;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("data:", 0) != 0) continue;  // comments, event names, blank separators
    std::string data = line.substr(5);
    data.erase(0, data.find_first_not_of(' '));
    if (data == "[DONE]") {
      done = true;
      break;
    }
    Json chunk = Json::parse(data, nullptr, false);
    if (chunk.is_discarded() || !chunk.is_object()) throw std::runtime_error("a stream event is not JSON: " + data.substr(0, 200));
    any = true;
    if (chunk.contains("usage") && chunk["usage"].is_object()) {
      t.prompt_tokens = chunk["usage"].value("prompt_tokens", 0L);
      t.completion_tokens = chunk["usage"].value("completion_tokens", 0L);
    }
    if (!chunk.contains("choices") || !chunk["choices"].is_array() || chunk["choices"].empty()) continue;
    const Json& delta = chunk["choices"][0].value("delta", Json::object());
    if (delta.contains("content") && delta["content"].is_string()) t.content += delta["content"].get<std::string>();
    if (delta.contains("tool_calls") && delta["tool_calls"].is_array()) {
      for (const Json& d : delta["tool_calls"]) {
        const size_t i = d.value("index", 0);
        while (t.tool_calls.size() <= i)
          t.tool_calls.push_back({{"id", ""}, {"type", "function"}, {"function", {{"name", ""}, {"arguments", ""}}}});
        Json& call = t.tool_calls[i];
        if (d.contains("id") && d["id"].is_string()) call["id"] = d["id"];
        if (d.contains("function") && d["function"].is_object()) {
          const Json& f = d["function"];
          if (f.contains("name") && f["name"].is_string())
            call["function"]["name"] = call["function"]["name"].get<std::string>() + f["name"].get<std::string>();
          if (f.contains("arguments") && f["arguments"].is_string())
            call["function"]["arguments"] = call["function"]["arguments"].get<std::string>() + f["arguments"].get<std::string>();
        }
      }
    }
  }
  if (!done) throw std::runtime_error(any ? "the stream ended before [DONE]" : "the stream holds no event");
  return t;
}

std::string system_prompt(Role role, bool read_only) {
  std::string s = std::string("You are the ") + role_name(role) +
                  " agent of kda, a tool that develops GPU kernels under a hardened evaluator. You work only through the "
                  "tools offered; paths are relative to your workspace. ";
  s += read_only ? "Your role is read-only: you cannot change files. "
                 : "Change only the files your task names. ";
  s += "When you are done, answer with your final message and no tool call.";
  return s;
}

class OpenAiAgent : public Agent {
 public:
  explicit OpenAiAgent(AgentSpec spec) : spec_(std::move(spec)) {}
  std::string name() const override { return spec_.name; }

  AgentResult run(const AgentRequest& req) override {
    AgentResult r;
    fs::create_directories(req.transcript_dir);
    r.transcript = req.transcript_dir / "transcript.jsonl";
    log_.open(r.transcript, std::ios::trunc);
    const OpenAiSpec& o = spec_.openai;
    std::vector<std::string> headers = {"Content-Type: application/json", "Accept: application/json, text/event-stream"};
    if (!o.api_key_env.empty()) {
      const char* key = std::getenv(o.api_key_env.c_str());
      if (!key || !*key) {
        r.exit_status = 1;
        r.error = "agent '" + spec_.name + "': the environment variable " + o.api_key_env + " (its API key) is not set";
        return r;
      }
      headers.push_back(std::string("Authorization: Bearer ") + key);
    }
    WorkspaceTools tools(req.workspace, req.permissions);
    const Json tool_defs = tools.definitions();
    Json messages = Json::array({{{"role", "system"}, {"content", system_prompt(req.role, req.permissions.read_only)}},
                                 {{"role", "user"}, {"content", req.prompt}}});
    const Clock::time_point deadline = Clock::now() + req.timeout;

    for (int turn = 0; turn < o.max_turns; ++turn) {
      Json body = {{"model", o.model}, {"messages", messages}, {"stream", o.stream}};
      if (!tool_defs.empty()) body["tools"] = tool_defs;
      if (o.stream) body["stream_options"] = {{"include_usage", true}};
      if (o.max_output_tokens > 0) body["max_tokens"] = o.max_output_tokens;
      std::optional<Turn> t = call_with_retries(body.dump(), headers, deadline, turn, r);
      if (!t) {
        r.exit_status = 1;
        return r;
      }
      r.usage.prompt_tokens += t->prompt_tokens;
      r.usage.completion_tokens += t->completion_tokens;
      r.usage.cost_usd = (r.usage.prompt_tokens * o.usd_per_million_prompt_tokens +
                          r.usage.completion_tokens * o.usd_per_million_completion_tokens) / 1e6;
      Json assistant = {{"role", "assistant"}, {"content", t->content}};
      if (!t->tool_calls.empty()) assistant["tool_calls"] = t->tool_calls;
      messages.push_back(assistant);
      record({{"event", "answer"}, {"turn", turn}, {"content", t->content}, {"tool_calls", t->tool_calls},
              {"prompt_tokens", t->prompt_tokens}, {"completion_tokens", t->completion_tokens}});
      if (t->tool_calls.empty()) {
        r.final_message = t->content;
        return r;
      }
      for (const Json& call : t->tool_calls) {
        const std::string id = call.value("id", ""), name = call.value("function", Json::object()).value("name", "");
        const std::string raw = call.value("function", Json::object()).value("arguments", "");
        Json args = Json::parse(raw.empty() ? "{}" : raw, nullptr, false);
        const std::string output =
            args.is_discarded() ? "error: the arguments are not a JSON object: " + raw.substr(0, 200) : tools.call(name, args);
        record({{"event", "tool"}, {"turn", turn}, {"id", id}, {"name", name}, {"arguments", raw.substr(0, 4000)},
                {"output", output.substr(0, 4000)}});
        messages.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", output}});
      }
    }
    r.exit_status = 1;
    r.error = "agent '" + spec_.name + "' gave no final answer within " + std::to_string(o.max_turns) + " model calls (max_turns)";
    return r;
  }

 private:
  // One model call. Returns nothing (and sets r.error / r.timed_out) when it cannot succeed.
  std::optional<Turn> call_with_retries(const std::string& body, const std::vector<std::string>& headers,
                                        Clock::time_point deadline, int turn, AgentResult& r) {
    const OpenAiSpec& o = spec_.openai;
    const std::string url = o.base_url + "/chat/completions";
    std::string last_problem;
    for (int attempt = 0; attempt <= o.max_retries; ++attempt) {
      const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
      if (left <= 0) {
        r.timed_out = true;
        r.error = "the session's time ran out" + (last_problem.empty() ? "" : " (last problem: " + last_problem + ")");
        return std::nullopt;
      }
      record({{"event", "request"}, {"turn", turn}, {"attempt", attempt}, {"bytes", body.size()}});
      const HttpResult h = http_post(url, headers, body, std::min(o.request_timeout_seconds, left));
      double retry_after = -1;
      if (!h.transport_error.empty()) {
        last_problem = h.timed_out ? "the request timed out" : "transport error: " + h.transport_error;
      } else if (h.status == 429 || h.status >= 500) {
        last_problem = "HTTP " + std::to_string(h.status) + ": " + h.body.substr(0, 300);
        if (auto it = h.headers.find("retry-after"); it != h.headers.end()) retry_after = std::atof(it->second.c_str());
      } else if (h.status != 200) {
        r.error = "agent '" + spec_.name + "': HTTP " + std::to_string(h.status) + " from " + url + ": " + h.body.substr(0, 500);
        record({{"event", "failed"}, {"turn", turn}, {"status", h.status}, {"body", h.body.substr(0, 2000)}});
        return std::nullopt;
      } else {
        try {
          const bool sse = h.headers.count("content-type") && h.headers.at("content-type").find("text/event-stream") != std::string::npos;
          return sse ? parse_stream(h.body) : parse_body(h.body);
        } catch (const std::exception& e) {
          last_problem = std::string("malformed answer: ") + e.what();
        }
      }
      record({{"event", "retry"}, {"turn", turn}, {"attempt", attempt}, {"problem", last_problem}});
      if (attempt == o.max_retries) break;
      const double wait = retry_after >= 0 ? retry_after : o.backoff_seconds * std::pow(2.0, attempt);
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait, 60.0)));
    }
    r.error = "agent '" + spec_.name + "': gave up after " + std::to_string(o.max_retries + 1) + " attempts; last: " + last_problem;
    return std::nullopt;
  }

  void record(const Json& j) {
    log_ << j.dump() << "\n";
    log_.flush();
  }

  AgentSpec spec_;
  std::ofstream log_;
};

}  // namespace

std::unique_ptr<Agent> make_openai_agent(const AgentSpec& spec) {
  if (spec.kind != "openai") fail(ErrorKind::kInternal, "make_openai_agent: agent '" + spec.name + "' is not an openai agent");
  return std::make_unique<OpenAiAgent>(spec);
}

}  // namespace kda::agents
