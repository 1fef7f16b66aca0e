#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "store/store.h"

namespace kda {
namespace fs = std::filesystem;
namespace {

const std::string kGenesis(64, '0');

// Foreign bytes (a candidate's output quoted in a record) must never make the log unwritable or
// unreadable: invalid UTF-8 is replaced with U+FFFD, the same way on write and on verify.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string record_hash(const Json& rec) {
  Json body = rec;
  body.erase("hash");
  return sha256_hex(rec.value("prev", "") + dump(body));
}

// Holds an exclusive flock on the log's lock file so that concurrent kda processes append in turn.
class FileLock {
 public:
  explicit FileLock(const fs::path& p) {
    fd_ = ::open((p.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

// What the log file itself says: its records up to the first one that does not chain.
struct Scan {
  std::vector<ChainLink> links;
  std::vector<std::string> lines;  // the raw lines of `links`
  int64_t bad_line = 0;
  std::string problem;
};

Scan scan(const fs::path& path) {
  Scan s;
  if (!fs::exists(path)) return s;
  std::string text = read_file(path);
  std::string head = kGenesis;
  size_t pos = 0;
  int64_t n = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    bool torn = nl == std::string::npos;  // appends write a record and its newline in one write
    std::string line = text.substr(pos, torn ? std::string::npos : nl - pos);
    pos = torn ? text.size() : nl + 1;
    ++n;
    auto bad = [&](const std::string& why) {
      s.bad_line = n;
      s.problem = why;
      return s;
    };
    if (torn) return bad("the last line is incomplete (no newline): an append was cut off, by a crash or a full disk");
    Json rec;
    try {
      rec = Json::parse(line);
    } catch (const std::exception&) {
      return bad("not valid JSON");
    }
    if (!rec.is_object() || !rec.contains("hash") || !rec.contains("prev") || !rec.contains("seq") ||
        !rec["hash"].is_string())
      return bad("missing hash, prev or seq");
    if (rec["seq"] != n)
      return bad("sequence number " + dump(rec["seq"]) + " where " + std::to_string(n) +
                 " was expected (a record was removed, inserted or moved)");
    if (rec["prev"] != head) return bad("does not chain to the previous record");
    if (rec["hash"] != record_hash(rec)) return bad("content does not match its hash (edited)");
    head = rec["hash"].get<std::string>();
    s.links.push_back({n, head, rec.value("event", ""), rec.value("time", "")});
    s.lines.push_back(std::move(line));
  }
  return s;
}

// A store upgraded from schema 2 has a log that predates its anchor (set by Store on upgrade).
bool adopting(const Store& st) { return !st.meta("anchor_adopt").value_or("").empty(); }

std::string records(int64_t from, int64_t to) {
  return from == to ? "record " + std::to_string(from) : "records " + std::to_string(from) + ".." + std::to_string(to);
}

std::string describe(const ChainLink& l) {
  return "#" + std::to_string(l.seq) + " " + l.event + " at " + l.time + ", hash " + l.hash.substr(0, 16);
}

AuditCheck check(const fs::path& path, const Scan& s, const Store* anchor) {
  AuditCheck c;
  c.records = static_cast<int64_t>(s.links.size());
  c.head = s.links.empty() ? kGenesis : s.links.back().hash;
  c.intact = c.records;
  if (s.bad_line) {
    c.ok = false;
    c.bad_line = s.bad_line;
    c.problem = s.problem;
  }
  if (!anchor) {
    if (!c.ok) c.recovery = "records 1.." + std::to_string(c.records) + " chain correctly; restore the log from a backup";
    return c;
  }
  c.anchored = true;
  c.store_created_at = anchor->meta("created_at").value_or("");
  c.store_created_by = anchor->meta("created_by").value_or("");
  std::vector<ChainLink> a = anchor->anchored_chain();
  const int64_t na = static_cast<int64_t>(a.size()), n = c.records;
  c.anchored_records = na;
  if (na == 0 && n > 0 && adopting(*anchor)) {
    c.note = "the log's " + std::to_string(n) + " records predate the store's anchor (store schema 2); the next append adopts them";
    return c;
  }
  const std::string where = path.string();
  auto damaged = [&](int64_t line, const std::string& why) {
    c.ok = false;
    c.bad_line = line;
    c.problem = why;
  };
  int64_t same = 0;
  while (same < std::min(n, na) && s.links[same].hash == a[same].hash) ++same;
  c.intact = same;
  if (same < std::min(n, na)) {
    damaged(same + 1, "record " + std::to_string(same + 1) + " is not the one the store recorded (" + describe(a[same]) +
                          "): the log was rewritten from here on");
  } else if (n < na && !s.bad_line) {
    damaged(n + 1, (n == 0 ? std::string(fs::exists(path) ? "the log is empty" : "the log is missing")
                           : "the log ends after record " + std::to_string(n)) +
                       " but the store recorded " + std::to_string(na) + " records (the last: " + describe(a.back()) +
                       "): " + records(n + 1, na) + (n + 1 == na ? " was removed" : " were removed"));
  } else if (n < na) {
    c.problem += "; the store recorded " + std::to_string(na) + " records, so " + records(n + 1, na) + " are damaged or lost";
  } else if (n == na + 1 && c.ok && (na > 0 || s.links[0].event == "store_created")) {
    c.unanchored = 1;
    c.note = "record " + std::to_string(n) + " is in the log but not yet in the store: an append was interrupted "
             "after the log was written (the next append records it)";
  } else if (n > na) {
    damaged(na + 1, records(na + 1, n) + (na + 1 == n ? " is" : " are") + " not in the store's record of this log: they were appended outside kda, or kda.db was "
                        "replaced by an older or a new store" +
                        (c.store_created_at.empty() ? std::string() : " (this store was created " + c.store_created_at + ")"));
  }
  if (!c.ok) {
    const ChainLink* last = na ? &a.back() : nullptr;
    c.recovery = "records 1.." + std::to_string(c.intact) + " are intact (they match the store); 'kda audit repair " +
                 where + "' keeps them, moves the damaged log aside and records what was lost; or restore " + where +
                 " from a backup" + (last ? " whose last record is " + describe(*last) : std::string());
  }
  return c;
}

}  // namespace

AuditCheck AuditLog::verify() const { return check(path_, scan(path_), anchor_); }

std::string AuditLog::write_record(const std::string& event, const Json& data, int64_t seq, const std::string& prev) {
  Json rec = {{"schema_version", kAuditSchemaVersion}, {"seq", seq}, {"prev", prev},
              {"time", utc_now()}, {"event", event}, {"data", data}};
  rec["hash"] = record_hash(rec);
  // Log first, then the anchor: a crash in between leaves the log one record ahead, which
  // verify() reports as an interrupted append and the next append completes.
  append_line_durable(path_, dump(rec));
  if (anchor_) anchor_->anchor_link({seq, rec["hash"].get<std::string>(), event, rec["time"].get<std::string>()});
  return rec["hash"].get<std::string>();
}

std::string AuditLog::append(const std::string& event, const Json& data) {
  FileLock lock(path_);
  Scan s = scan(path_);
  AuditCheck c = check(path_, s, anchor_);
  if (!c.ok)
    fail(ErrorKind::kIntegrity, path_.string() + ":" + std::to_string(c.bad_line) + ": audit chain broken (" +
                                    c.problem + "); refusing to append. " + c.recovery);
  int64_t seq = c.records;
  std::string head = c.head;
  if (anchor_) {
    if (c.unanchored) anchor_->anchor_link(s.links.back());  // completes the interrupted append
    if (adopting(*anchor_)) {
      if (c.anchored_records == 0)
        for (const ChainLink& l : s.links) anchor_->anchor_link(l);
      head = write_record("audit_anchored", {{"adopted_records", seq}, {"from_store_schema", 2}}, seq + 1, head);
      ++seq;
      anchor_->set_meta("anchor_adopt_done", utc_now());
      anchor_->set_meta("anchor_adopt", "");
    }
    if (seq == 0 && event != "store_created") {
      head = write_record("store_created",
                          {{"store_id", anchor_->meta("store_id").value_or("")},
                           {"created_at", anchor_->meta("created_at").value_or("")},
                           {"created_by", anchor_->meta("created_by").value_or("first use")},
                           {"previous_store", anchor_->meta("previous_store").value_or("")}},
                          1, head);
      seq = 1;
    }
  }
  return write_record(event, data, seq + 1, head);
}

AuditCheck AuditLog::repair() {
  if (!anchor_) fail(ErrorKind::kUsage, path_.string() + " has no store to repair it against (only a task's log is anchored)");
  FileLock lock(path_);
  Scan s = scan(path_);
  AuditCheck c = check(path_, s, anchor_);
  if (c.ok) return c;
  std::vector<ChainLink> a = anchor_->anchored_chain();
  Json lost = Json::array();
  for (size_t i = static_cast<size_t>(c.intact); i < a.size(); ++i)
    lost.push_back({{"seq", a[i].seq}, {"hash", a[i].hash}, {"event", a[i].event}, {"time", a[i].time}});
  fs::path aside = path_;
  aside += ".damaged-" + utc_now();
  if (fs::exists(path_)) fs::copy_file(path_, aside, fs::copy_options::overwrite_existing);
  // An empty anchor means the store is newer than the log: what chains is adopted, not dropped.
  const int64_t keep = a.empty() ? c.records : c.intact;
  std::string kept;
  for (int64_t i = 0; i < keep; ++i) kept += s.lines[static_cast<size_t>(i)] + "\n";
  write_file_atomic(path_, kept);
  anchor_->truncate_anchor(keep);
  if (a.empty())
    for (int64_t i = 0; i < keep; ++i) anchor_->anchor_link(s.links[static_cast<size_t>(i)]);
  const int64_t seq = keep;
  std::string head = seq ? s.links[static_cast<size_t>(seq - 1)].hash : kGenesis;
  write_record("audit_repaired",
               {{"problem", c.problem}, {"bad_line", c.bad_line}, {"kept_records", seq}, {"lost", lost},
                {"damaged_copy", aside.filename().string()}},
               seq + 1, head);
  return c;
}

}  // namespace kda
