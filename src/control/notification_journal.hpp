#pragma once
// The lifecycle notifications (on_unpublish, on_play, on_stop) not yet delivered, on disk, so
// that a restart does not lose them (webhooks.journal). Each accepted delivery is appended as
// one line before it is queued, and its end (delivered, or given up after the retries) as
// another; a shutdown ends nothing, so what was still queued or retrying is delivered by the
// next start, with its original delivery id: at least once, and receivers de-duplicate on
// X-Firstmile-Delivery.
//
// One line per record, tab-separated: "A <id> <event> <url> <json body>" and "D <id> <url>".
// JSON bodies and URLs hold no tab or newline (the serializer escapes them; such a URL is not
// journaled). Writes are plain write(2) calls: they survive the process dying, not the machine.
// The file is bounded: past max_bytes it is rewritten with the pending entries only, and if
// those alone fill it, new entries are not journaled (counted in skipped()). Any thread.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace firstmile::control {

struct JournalEntry {
  std::string id;
  std::string event;
  std::string url;
  std::string body;
};

class NotificationJournal {
 public:
  NotificationJournal() = default;
  ~NotificationJournal();
  NotificationJournal(const NotificationJournal&) = delete;
  NotificationJournal& operator=(const NotificationJournal&) = delete;

  // Opens (creating) `path`, reads what an earlier run left pending, rewrites the file with just
  // that, and returns it in the order it was accepted. Lines that do not parse (a torn last
  // line) are skipped.
  Result<std::vector<JournalEntry>> open(const std::string& path, uint64_t max_bytes);
  bool is_open() const;

  // A delivery accepted: journaled unless the journal is closed, full, or the entry holds a
  // tab or newline. Returns whether it was written.
  bool accepted(const JournalEntry& entry);
  // A delivery ended (delivered, or dropped for good).
  void ended(const std::string& id, const std::string& url);

  uint64_t pending() const;
  uint64_t skipped() const;

 private:
  bool append(const std::string& line);
  void compact();  // mutex_ held

  mutable std::mutex mutex_;
  int fd_ = -1;
  std::string path_;
  uint64_t max_bytes_ = 0;
  uint64_t size_ = 0;
  // Pending by (id, url), with the order they were accepted in.
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, JournalEntry>> pending_;
  uint64_t next_order_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace firstmile::control
