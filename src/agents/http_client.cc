#include "agents/http_client.h"

#include "agents/http_plugin.h"
#include "core/error.h"
#include "core/plugin.h"

namespace kda::agents {

HttpResult http_post(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                     double timeout_seconds, const std::function<void(std::string_view)>& on_data) {
  // libcurl lives in a plugin, loaded on the first request (agents/http_plugin.h).
  static const HttpPlugin* plugin = [] {
    auto get = reinterpret_cast<const HttpPlugin* (*)()>(
        plugin_symbol(kHttpPluginFile, kHttpPluginSymbol, "the OpenAI-compatible agent's HTTP client"));
    const HttpPlugin* p = get();
    if (!p || p->abi != kHttpPluginAbi || p->result_size != sizeof(HttpResult))
      fail(ErrorKind::kEnvironment, std::string(kHttpPluginFile) + " was built for another version of kda; rebuild kda");
    return p;
  }();
  return plugin->post(url, headers, body, timeout_seconds, on_data);
}

}  // namespace kda::agents
