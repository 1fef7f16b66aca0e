#include "wiki/rank.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace kda::wiki {

const std::vector<RankColumn>& rank_columns() {
  // Weights as before issue 18 (title 10, summary 5, techniques/tags 4, id 2, body 1); b = 0.3 on
  // the body so that a long reference page is not buried by its length.
  static const std::vector<RankColumn> c = {{"id", 2.0, 0.75},   {"title", 10.0, 0.75},    {"summary", 5.0, 0.75},
                                            {"body", 1.0, 0.3},  {"techniques", 4.0, 0.5}, {"cjk", 1.0, 0.3}};
  return c;
}

namespace {

struct RankData {
  std::vector<double> idf;  // per phrase
  std::vector<double> avg;  // per column: average length in tokens
};

int count_row(const Fts5ExtensionApi*, Fts5Context*, void* p) {
  ++*static_cast<int64_t*>(p);
  return SQLITE_OK;
}

void rank_fn(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* out, int n_val, sqlite3_value** vals) {
  const auto& cols = rank_columns();
  auto* data = static_cast<RankData*>(api->xGetAuxdata(ctx, 0));
  if (!data) {
    data = new RankData;
    sqlite3_int64 rows = 0;
    api->xRowCount(ctx, &rows);
    int ncol = api->xColumnCount(ctx);
    for (int c = 0; c < ncol; ++c) {
      sqlite3_int64 total = 0;
      api->xColumnTotalSize(ctx, c, &total);
      data->avg.push_back(rows > 0 ? std::max(1.0, static_cast<double>(total) / static_cast<double>(rows)) : 1.0);
    }
    int nphrase = api->xPhraseCount(ctx);
    for (int i = 0; i < nphrase; ++i) {
      int64_t hits = 0;
      api->xQueryPhrase(ctx, i, &hits, count_row);
      double n = static_cast<double>(rows), h = static_cast<double>(hits);
      data->idf.push_back(std::max(1e-6, std::log((n - h + 0.5) / (h + 0.5))));
    }
    if (api->xSetAuxdata(ctx, data, [](void* p) { delete static_cast<RankData*>(p); }) != SQLITE_OK) {
      delete data;
      sqlite3_result_error(out, "kda_rank: out of memory", -1);
      return;
    }
  }
  int ncol = std::min(static_cast<int>(data->avg.size()), static_cast<int>(cols.size()));
  std::vector<double> norm(static_cast<size_t>(ncol), 1.0);
  for (int c = 0; c < ncol; ++c) {
    int len = 0;
    api->xColumnSize(ctx, c, &len);
    const auto& rc = cols[static_cast<size_t>(c)];
    norm[static_cast<size_t>(c)] = rc.weight / (1.0 - rc.b + rc.b * static_cast<double>(len) / data->avg[static_cast<size_t>(c)]);
  }
  std::vector<double> tf(data->idf.size(), 0.0);
  int ninst = 0;
  api->xInstCount(ctx, &ninst);
  for (int i = 0; i < ninst; ++i) {
    int phrase = 0, col = 0, off = 0;
    if (api->xInst(ctx, i, &phrase, &col, &off) != SQLITE_OK) break;
    if (phrase >= 0 && static_cast<size_t>(phrase) < tf.size() && col >= 0 && col < ncol)
      tf[static_cast<size_t>(phrase)] += norm[static_cast<size_t>(col)];
  }
  constexpr double k1 = 1.2;
  double score = 0;
  for (size_t p = 0; p < tf.size(); ++p)
    if (tf[p] > 0) score += data->idf[p] * tf[p] * (k1 + 1) / (tf[p] + k1);
  double prior = n_val > 0 ? sqlite3_value_double(vals[0]) : 1.0;
  sqlite3_result_double(out, -score * prior);
}

// Decodes one code point of valid UTF-8 at s[i]; returns its length (1 for a stray byte).
size_t decode(std::string_view s, size_t i, uint32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) len = 1;
  if (len == 1) {
    cp = b;
    return 1;
  }
  cp = b & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return len;
}

bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x3040 && cp <= 0x30FF) ||
         (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

// Calls f(run) for each maximal CJK run, as a list of code-point byte ranges.
template <typename F>
void for_each_run(std::string_view text, F f, std::string* rest = nullptr) {
  std::vector<std::string_view> run;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t len = decode(text, i, cp);
    if (is_cjk(cp)) {
      run.push_back(text.substr(i, len));
      if (rest) *rest += ' ';
    } else {
      if (!run.empty()) f(run);
      run.clear();
      if (rest) rest->append(text.substr(i, len));
    }
    i += len;
  }
  if (!run.empty()) f(run);
}

}  // namespace

void register_rank_function(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(st, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(st);
  }
  sqlite3_finalize(st);
  if (!api || api->iVersion < 2 ||
      api->xCreateFunction(api, "kda_rank", nullptr, rank_fn, nullptr) != SQLITE_OK)
    fail(ErrorKind::kEnvironment, "this SQLite has no FTS5 (needed by the wiki index)");
}

std::string cjk_bigrams(std::string_view text) {
  std::string out;
  for_each_run(text, [&](const std::vector<std::string_view>& run) {
    if (run.size() == 1) {
      out.append(run[0]).push_back(' ');
      return;
    }
    for (size_t i = 0; i + 1 < run.size(); ++i) out.append(run[i]).append(run[i + 1]).push_back(' ');
  });
  return out;
}

std::vector<std::string> cjk_runs(std::string_view text, std::string& rest) {
  std::vector<std::string> out;
  rest.clear();
  for_each_run(
      text,
      [&](const std::vector<std::string_view>& run) {
        std::string s;
        for (auto c : run) s.append(c);
        out.push_back(s);
      },
      &rest);
  return out;
}

std::string make_snippet(std::string_view text, const std::vector<std::string>& terms) {
  constexpr size_t kScan = 256 * 1024, kWindow = 20;
  text = text.substr(0, std::min(text.size(), kScan));
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80); };
  struct Word {
    size_t begin, end;
    bool hit;
  };
  std::vector<std::string> ascii, cjk;
  for (auto& t : terms) (t.empty() ? ascii : (static_cast<unsigned char>(t[0]) >= 0x80 ? cjk : ascii)).push_back(t);
  auto matches = [&](std::string_view w) {
    std::string l;
    for (char c : w) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& t : ascii) {
      if (l == t) return true;
      size_t m = std::min(l.size(), t.size());
      if (m >= 4 && l.compare(0, m, t, 0, m) == 0 && std::max(l.size(), t.size()) - m <= 3) return true;
    }
    for (auto& t : cjk)
      if (l.find(t) != std::string::npos) return true;
    return false;
  };
  std::vector<Word> words;
  for (size_t i = 0; i < text.size();) {
    if (!word_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && word_char(text[j])) ++j;
    words.push_back({i, j, matches(text.substr(i, j - i))});
    i = j;
  }
  if (words.empty()) return "";
  // The window of kWindow words with the most hits (first one on ties).
  size_t best = 0, best_hits = 0, cur = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    cur += words[i].hit;
    if (i >= kWindow) cur -= words[i - kWindow].hit;
    size_t start = i + 1 >= kWindow ? i + 1 - kWindow : 0;
    if (cur > best_hits) best_hits = cur, best = start;
  }
  if (best_hits > 0 && best > 0) best = best >= 3 ? best - 3 : 0;  // a little lead-in
  size_t last = std::min(words.size(), best + kWindow);
  // The original text of the window (punctuation kept, line breaks and runs of blanks folded),
  // each matching word in brackets.
  std::string out = best > 0 ? "..." : "";
  size_t pos = words[best].begin;
  auto append_plain = [&](size_t from, size_t to) {
    for (size_t k = from; k < to; ++k) {
      char c = text[k];
      bool blank = c == '\n' || c == '\r' || c == '\t' || c == ' ';
      if (blank) {
        if (!out.empty() && out.back() != ' ') out += ' ';
      } else {
        out += c;
      }
    }
  };
  for (size_t i = best; i < last; ++i) {
    append_plain(pos, words[i].begin);
    std::string w(text.substr(words[i].begin, words[i].end - words[i].begin));
    if (w.size() > 40) {  // cut a very long token, on a UTF-8 character boundary
      size_t cut = 40;
      while (cut > 0 && (static_cast<unsigned char>(w[cut]) & 0xC0) == 0x80) --cut;
      w.resize(cut);
    }
    out += words[i].hit ? "[" + w + "]" : w;
    pos = words[i].end;
  }
  if (last < words.size()) {
    // Keep closing punctuation that ends the last word ("...padding.").
    size_t end_pos = pos;
    while (end_pos < text.size() && end_pos < pos + 2 && std::ispunct(static_cast<unsigned char>(text[end_pos]))) ++end_pos;
    append_plain(pos, end_pos);
  }
  if (last < words.size()) out += "...";
  return out;
}

}  // namespace kda::wiki
