// Read-only readers of what kda writes (the report never changes a store, journal or log): the
// task store's traces and pins, a run's journal steps and ledgers, regimes.json and the cached
// device peaks. SQLite files are opened with mode=ro, so a report of a running loop or sweep
// takes no write lock and cannot migrate or create anything; a schema newer than this kda knows
// is refused (kIntegrity), as the store itself would.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "store/store.h"

namespace kda::report {

struct StoreContents {
  std::vector<Pin> pins;
  std::vector<StoredTrace> traces;  ///< in id order
  int64_t tuning_rows = 0;
};

/// The traces and pins of TASK/.kda/kda.db; empty when there is no store.
StoreContents read_store(const std::filesystem::path& store_dir);

struct JournalStep {
  int64_t seq = 0;
  std::string key;   ///< "T1/3/decide"
  std::string kind;  ///< write, check, review, decide, done, escalate, note
  std::string at;    ///< when it was committed, "2026-12-01T23:01:13.123Z"
  Json data;
};

/// Every step of RUN/journal.sqlite in commit order; empty when the file does not exist yet.
std::vector<JournalStep> read_journal(const std::filesystem::path& journal);

/// One JSON object per line (candidates.jsonl); a torn last line is skipped.
std::vector<Json> read_json_lines(const std::filesystem::path& path);

/// The cached device peaks (cache_dir()/devices/*.json, docs/evaluator.md), one per device.
std::vector<Json> read_device_peaks();

}  // namespace kda::report
