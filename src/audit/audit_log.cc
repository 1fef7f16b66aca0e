#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "store/store.h"

namespace kda {
namespace {

const std::string kGenesis(64, '0');

std::string record_hash(const Json& rec) {
  Json body = rec;
  body.erase("hash");
  return sha256_hex(rec.value("prev", "") + body.dump());
}

// Holds an exclusive flock on the log's lock file so that concurrent kda processes append in turn.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& p) {
    fd_ = ::open((p.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

}  // namespace

AuditCheck AuditLog::verify() const {
  AuditCheck c;
  c.head = kGenesis;
  std::ifstream in(path_);
  if (!in) return c;  // no log yet: an empty, valid chain
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto bad = [&](const std::string& why) {
      c.ok = false;
      c.bad_line = n;
      c.problem = why;
      return c;
    };
    Json rec;
    try {
      rec = Json::parse(line);
    } catch (const std::exception&) {
      return bad("not valid JSON");
    }
    if (!rec.is_object() || !rec.contains("hash") || !rec.contains("prev") || !rec.contains("seq"))
      return bad("missing hash, prev or seq");
    if (rec["seq"] != n) return bad("sequence number " + rec["seq"].dump() + " where " + std::to_string(n) + " was expected (a record was removed, inserted or moved)");
    if (rec["prev"] != c.head) return bad("does not chain to the previous record");
    if (rec["hash"] != record_hash(rec)) return bad("content does not match its hash (edited)");
    c.head = rec["hash"].get<std::string>();
    c.records = n;
  }
  return c;
}

std::string AuditLog::append(const std::string& event, const Json& data) {
  FileLock lock(path_);
  AuditCheck c = verify();
  if (!c.ok)
    fail(ErrorKind::kIntegrity, path_.string() + ":" + std::to_string(c.bad_line) + ": audit chain broken (" +
                                    c.problem + "); refusing to append");
  Json rec = {{"schema_version", kAuditSchemaVersion}, {"seq", c.records + 1}, {"prev", c.head},
              {"time", utc_now()}, {"event", event}, {"data", data}};
  rec["hash"] = record_hash(rec);
  append_line_durable(path_, rec.dump());
  return rec["hash"].get<std::string>();
}

}  // namespace kda
