// Acceptance 7: truncated or malformed CSV never crashes; it is read or refused with a
// kda::Error naming the file and the line ("FILE:LINE: ...").
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "profile/details_page.h"
#include "profile/raw_page.h"
#include "profile/report.h"
#include "profile/source_page.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

using testing::h100_dir;

std::string slurp(const std::filesystem::path& p, size_t max_lines) {
  std::ifstream in(p);
  std::string line, out;
  for (size_t i = 0; i < max_lines && std::getline(in, line); ++i) out += line + "\n";
  return out;
}

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> kind(0, 5);
  auto pos = [&s](std::mt19937& g) { return s.empty() ? size_t{0} : g() % s.size(); };
  static const char kChars[] = {'"', ',', '\n', '\r', '\0', 'x', '(', ';', '-', '9'};
  int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n && !s.empty(); ++i) {
    switch (kind(rng)) {
      case 0: s.resize(pos(rng)); break;                                   // truncate
      case 1: s[pos(rng)] = kChars[rng() % sizeof(kChars)]; break;         // flip a byte
      case 2: s.erase(pos(rng), 1 + rng() % 40); break;                    // delete a run
      case 3: s.insert(pos(rng), 1, kChars[rng() % sizeof(kChars)]); break; // insert
      case 4: {                                                            // duplicate a run
        size_t p = pos(rng);
        s.insert(pos(rng), s.substr(p, 1 + rng() % 60));
        break;
      }
      case 5: s = s.substr(pos(rng)); break;                               // lose the head
    }
  }
  return s;
}

// Parses `text` as `origin` and runs the page reader and the analysis.
void read_all(const std::string& text, const std::string& origin, int page) {
  CsvTable t = parse_csv(text, origin);
  if (page == 0) {
    for (auto& k : read_details_page(t)) analyze(k);
  } else if (page == 1) {
    for (auto& k : read_raw_page(t).kernels) analyze(k);
  } else {
    read_source_page(t);
  }
}

TEST(Fuzz, MutatedPagesAreReadOrRefusedWithFileAndLine) {
  KDA_REQUIRE_H100_FIXTURES();
  const std::string pages[] = {slurp(h100_dir() / "details.csv", 400), slurp(h100_dir() / "raw.csv", 4),
                               slurp(h100_dir() / "source_tiny_grid.csv", 200)};
  const std::string names[] = {"details.csv", "raw.csv", "source_tiny_grid.csv"};
  const std::regex located(R"(^(details|raw|source_tiny_grid)\.csv:[0-9]+: .+)");
  std::mt19937 rng(12345);
  int refused = 0, read = 0;
  const int kMutations = 3000;
  for (int i = 0; i < kMutations; ++i) {
    int page = i % 3;
    std::string text = mutate(pages[page], rng);
    try {
      read_all(text, names[page], page);
      ++read;
    } catch (const Error& e) {
      ++refused;
      EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
      EXPECT_TRUE(std::regex_search(std::string(e.what()), located)) << "mutation " << i << ": " << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "mutation " << i << " of " << names[page] << " escaped as " << e.what();
    }
  }
  // Both outcomes happen: the reader is neither refusing everything nor accepting garbage.
  EXPECT_GT(refused, kMutations / 10);
  EXPECT_GT(read, kMutations / 20);
}

TEST(Fuzz, TruncatedRawPageNamesTheLine) {
  KDA_REQUIRE_H100_FIXTURES();
  std::string raw = slurp(h100_dir() / "raw.csv", 5);
  raw.resize(raw.size() - 5000);  // cut inside the last kernel's row
  try {
    read_all(raw, "raw.csv", 1);
    FAIL() << "a truncated row must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("raw.csv:5:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kda::profile
