// One HTTP POST through libcurl, with a whole-request timeout and the body delivered as it
// arrives (for server-sent events). Transport failures and timeouts are values, not exceptions:
// the caller decides whether to retry. libcurl is in the plugin kda-agents-http.so, loaded on the
// first request (agents/http_plugin.h); a missing plugin is kda::Error(kEnvironment).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kda::agents {

struct HttpResult {
  long status = 0;                             ///< 0 when no response arrived
  std::string body;                            ///< the whole body (also when streamed)
  std::map<std::string, std::string> headers;  ///< names lower-cased
  bool timed_out = false;
  std::string transport_error;                 ///< empty when a response arrived
};

/// `on_data` (may be empty) sees each piece of the body as it arrives.
HttpResult http_post(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                     double timeout_seconds, const std::function<void(std::string_view)>& on_data = {});

}  // namespace kda::agents
