#include "report/html.h"

#include "core/utf8.h"
#include "report/assets.h"

namespace kda::report {
namespace {

std::string escape_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// A script body cannot contain "</script": split any such text (none in the assets we ship).
std::string script_safe(std::string_view js) {
  std::string out(js);
  for (size_t p = 0; (p = out.find("</script", p)) != std::string::npos; p += 3) out.replace(p, 2, "<\\/");
  return out;
}

// The trace bodies (most of a large report's bytes) come after the scripts: the page draws
// while the parser is still reading them, and they are parsed as JSON only when a trace opens.
std::string page(const std::string& title, const std::string& data_blocks, const std::string& live_config,
                 const std::string& trailing_blocks) {
  std::string h;
  h.reserve(data_blocks.size() + 300000);
  h += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
       escape_text(title) + "</title>\n<style>\n";
  h += assets::kReportCss;
  h += "</style></head><body>\n<div id=\"app\"></div>\n";
  h += data_blocks;
  h += "<!-- Chart.js " + std::string(assets::kChartJsVersion) + ", MIT licence:\n";
  std::string lic(assets::kChartJsLicense);
  for (size_t p = 0; (p = lic.find("--", p)) != std::string::npos;) lic.replace(p, 2, "- -");
  h += lic + "\n-->\n<script>\n" + script_safe(assets::kChartJs) + "\n</script>\n";
  h += live_config;
  h += "<script>\n" + script_safe(assets::kReportJs) + "\n</script>\n";
  h += trailing_blocks;
  h += "</body></html>\n";
  return h;
}

}  // namespace

std::string script_json(const Json& j) {
  const std::string text = dump_json(j);
  std::string out;
  out.reserve(text.size() + 64);
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

std::string render_html(const Json& model) {
  Json m = model;
  Json bodies = m.contains("trace_bodies") ? m["trace_bodies"] : Json::object();
  m.erase("trace_bodies");
  std::string title = "kda report";
  if (m.contains("source")) title += " — " + m["source"].value("path", std::string());
  const std::string model_block = "<script id=\"kda-model\" type=\"application/json\">" + script_json(m) + "</script>\n";
  const std::string traces = "<script id=\"kda-traces\" type=\"application/json\">" + script_json(bodies) + "</script>\n";
  return page(title, model_block, "", traces);
}

std::string render_live_html(const std::string& token) {
  return page("kda serve", "", "<script>window.KDA_LIVE = {token: " + script_json(Json(token)) + "};</script>\n", "");
}

}  // namespace kda::report
