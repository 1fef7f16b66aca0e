// The ABI between kda and its HTTP plugin, kda-agents-http.so (http_curl.cc, linked with
// libcurl): http_post (http_client.h) loads it on the first request, so that only processes that
// talk to a model server map libcurl and its TLS, Kerberos and LDAP libraries (core/plugin.h).
#pragma once

#include <cstddef>

#include "agents/http_client.h"

namespace kda::agents {

/// Raised whenever the table or the types it passes change.
inline constexpr int kHttpPluginAbi = 1;
inline constexpr const char* kHttpPluginFile = "kda-agents-http.so";
inline constexpr const char* kHttpPluginSymbol = "kda_agents_http_plugin";

struct HttpPlugin {
  int abi;
  size_t result_size;  ///< sizeof(HttpResult) in the plugin's build: a stale plugin is refused
  /// http_post itself; transport failures are values, never exceptions.
  HttpResult (*post)(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                     double timeout_seconds, const std::function<void(std::string_view)>& on_data);
};

}  // namespace kda::agents

extern "C" const kda::agents::HttpPlugin* kda_agents_http_plugin();
