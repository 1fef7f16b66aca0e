#include "wiki/rank.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>

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

// FTS5's docsize record: exactly ncol SQLite varints. False when it is not that.
bool decode_sizes(const unsigned char* p, int n, int ncol, int* out) {
  if (!p) return false;
  int pos = 0;
  for (int c = 0; c < ncol; ++c) {
    uint64_t v = 0;
    int k = 0;
    for (;; ++k) {
      if (pos >= n || k == 9) return false;
      unsigned char b = p[pos++];
      if (k == 8) {
        v = (v << 8) | b;
        break;
      }
      v = (v << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    if (v > 0x7fffffff) return false;
    out[c] = static_cast<int>(v);
  }
  return pos == n;
}

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
  // Column lengths: from the row's fts_docsize record when the query joins it in (one varint per
  // column, FTS5's file format), since xColumnSize runs a statement of its own on that table for
  // every row (a third of a search); from xColumnSize otherwise.
  double norm[16];
  ncol = std::min(ncol, 16);
  int lens[16] = {};
  bool have = n_val > 1 && sqlite3_value_type(vals[1]) == SQLITE_BLOB &&
              decode_sizes(static_cast<const unsigned char*>(sqlite3_value_blob(vals[1])), sqlite3_value_bytes(vals[1]), ncol, lens);
  for (int c = 0; c < ncol; ++c) {
    if (!have) api->xColumnSize(ctx, c, &lens[c]);
    const auto& rc = cols[static_cast<size_t>(c)];
    norm[c] = rc.weight / (1.0 - rc.b + rc.b * static_cast<double>(lens[c]) / data->avg[static_cast<size_t>(c)]);
  }
  std::vector<double> tf(data->idf.size(), 0.0);
  int ninst = 0;
  api->xInstCount(ctx, &ninst);
  for (int i = 0; i < ninst; ++i) {
    int phrase = 0, col = 0, off = 0;
    if (api->xInst(ctx, i, &phrase, &col, &off) != SQLITE_OK) break;
    if (phrase >= 0 && static_cast<size_t>(phrase) < tf.size() && col >= 0 && col < ncol)
      tf[static_cast<size_t>(phrase)] += norm[col];
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

namespace {

// ASCII letters and digits (isalnum in the C locale) and every byte of a multi-byte UTF-8
// character are word bytes; a table, since the scan below looks at up to 256 KB per hit.
struct ByteClass {
  bool word[256];
  char low[256];
  constexpr ByteClass() : word(), low() {
    for (int c = 0; c < 256; ++c) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      word[c] = alpha || (c >= '0' && c <= '9') || c >= 0x80;
      low[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
  }
};
constexpr ByteClass kBytes;

inline bool word_byte(char c) { return kBytes.word[static_cast<unsigned char>(c)]; }

// Whether a word (as written) matches one of the terms: equal ignoring ASCII case, or sharing a
// prefix of at least 4 bytes with at most 3 bytes more on either side (pad ~ padding; stems);
// CJK terms match as substrings of the word.
class TermMatcher {
 public:
  explicit TermMatcher(const std::vector<std::string>& terms) {
    for (auto& t : terms) {
      if (t.empty()) continue;  // matches no word
      (static_cast<unsigned char>(t[0]) >= 0x80 ? cjk_ : ascii_).push_back(t);
    }
    // ASCII terms grouped by first byte: a word is compared only with the terms it could match.
    std::stable_sort(ascii_.begin(), ascii_.end(),
                     [](const std::string& a, const std::string& b) { return a[0] < b[0]; });
    for (size_t i = ascii_.size(); i-- > 0;) first_[static_cast<unsigned char>(ascii_[i][0])] = static_cast<uint32_t>(i + 1);
  }
  bool operator()(std::string_view w) const {
    std::string slow;
    std::string_view l;
    if (w.size() <= sizeof buf_) {
      for (size_t k = 0; k < w.size(); ++k) buf_[k] = kBytes.low[static_cast<unsigned char>(w[k])];
      l = std::string_view(buf_, w.size());
    } else {
      slow.assign(w);
      for (auto& c : slow) c = kBytes.low[static_cast<unsigned char>(c)];
      l = slow;
    }
    if (uint32_t start = first_[static_cast<unsigned char>(l[0])]; start > 0)
      for (size_t i = start - 1; i < ascii_.size() && ascii_[i][0] == l[0]; ++i)
        if (ascii_hit(l, ascii_[i])) return true;
    for (auto& t : cjk_)
      if (l.find(t) != std::string_view::npos) return true;
    return false;
  }

 private:
  static bool ascii_hit(std::string_view l, std::string_view t) {
    if (l.size() == t.size()) return l == t;
    size_t m = std::min(l.size(), t.size());
    return m >= 4 && std::max(l.size(), t.size()) - m <= 3 && l.substr(0, m) == t.substr(0, m);
  }
  std::vector<std::string> ascii_, cjk_;
  uint32_t first_[256] = {};  // 1 + index of the first ASCII term with that first byte; 0: none
  mutable char buf_[256];
};

// The next word at or after pos: [begin, end), or begin == text.size() when there is none.
inline std::pair<size_t, size_t> next_word(std::string_view text, size_t pos) {
  while (pos < text.size() && !word_byte(text[pos])) ++pos;
  size_t end = pos;
  while (end < text.size() && word_byte(text[end])) ++end;
  return {pos, end};
}

}  // namespace

std::string make_snippet(std::string_view text, const std::vector<std::string>& terms) {
  constexpr size_t kScan = 256 * 1024, kWindow = 20, kLead = 3;
  text = text.substr(0, std::min(text.size(), kScan));
  const TermMatcher matches(terms);
  // Pass 1: the window of kWindow words with the most hits (first one on ties), found with a ring
  // of the last words' hits and starts instead of a list of every word of a long body.
  constexpr size_t kRing = kWindow + kLead + 1;
  bool hit_ring[kRing] = {};
  size_t begin_ring[kRing] = {};
  size_t n = 0, cur = 0, best_hits = 0, best = 0, best_begin = 0;
  for (auto [b, e] = next_word(text, 0); b < text.size(); std::tie(b, e) = next_word(text, e)) {
    size_t i = n++;
    bool hit = matches(text.substr(b, e - b));
    hit_ring[i % kRing] = hit;
    begin_ring[i % kRing] = b;
    cur += hit;
    if (i >= kWindow) cur -= hit_ring[(i - kWindow) % kRing];
    size_t start = i + 1 >= kWindow ? i + 1 - kWindow : 0;
    if (cur > best_hits) {
      best_hits = cur;
      best = start > 0 ? (start >= kLead ? start - kLead : 0) : 0;  // a little lead-in
      best_begin = begin_ring[best % kRing];
    }
  }
  if (n == 0) return "";
  if (best_hits == 0) best_begin = next_word(text, 0).first;
  size_t last = std::min(n, best + kWindow);
  // Pass 2: the original text of the window (punctuation kept, line breaks and runs of blanks
  // folded), each matching word in brackets.
  std::string out = best > 0 ? "..." : "";
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
  size_t pos = best_begin;
  for (size_t i = best; i < last; ++i) {
    auto [b, e] = next_word(text, pos);
    append_plain(pos, b);
    std::string w(text.substr(b, e - b));
    if (w.size() > 40) {  // cut a very long token, on a UTF-8 character boundary
      size_t cut = 40;
      while (cut > 0 && (static_cast<unsigned char>(w[cut]) & 0xC0) == 0x80) --cut;
      w.resize(cut);
    }
    out += matches(text.substr(b, e - b)) ? "[" + w + "]" : w;
    pos = e;
  }
  if (last < n) {
    // Keep closing punctuation that ends the last word ("...padding.").
    size_t end_pos = pos;
    while (end_pos < text.size() && end_pos < pos + 2 && std::ispunct(static_cast<unsigned char>(text[end_pos]))) ++end_pos;
    append_plain(pos, end_pos);
    out += "...";
  }
  return out;
}

}  // namespace kda::wiki
