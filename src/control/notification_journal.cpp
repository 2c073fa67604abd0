#include "control/notification_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace firstmile::control {

namespace {

bool clean_field(const std::string& s) {
  return s.find_first_of("\t\n\r") == std::string::npos;
}

std::string added_line(const JournalEntry& e) {
  return "A\t" + e.id + "\t" + e.event + "\t" + e.url + "\t" + e.body + "\n";
}

std::vector<std::string> split_tabs(const std::string& line, size_t max_fields) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (out.size() + 1 < max_fields) {
    size_t tab = line.find('\t', pos);
    if (tab == std::string::npos) break;
    out.push_back(line.substr(pos, tab - pos));
    pos = tab + 1;
  }
  out.push_back(line.substr(pos));
  return out;
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

NotificationJournal::~NotificationJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::vector<JournalEntry>> NotificationJournal::open(const std::string& path,
                                                            uint64_t max_bytes) {
  std::lock_guard lock(mutex_);
  path_ = path;
  max_bytes_ = max_bytes;
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("A\t", 0) == 0) {
        auto f = split_tabs(line, 5);
        if (f.size() != 5 || f[1].empty() || f[3].empty()) continue;
        auto& slot = pending_[{f[1], f[3]}];
        slot = {next_order_++, JournalEntry{f[1], f[2], f[3], f[4]}};
      } else if (line.rfind("D\t", 0) == 0) {
        auto f = split_tabs(line, 3);
        if (f.size() == 3) pending_.erase({f[1], f[2]});
      }
    }
  }
  compact();
  if (fd_ < 0) return fail("webhooks.journal ", path, ": ", std::strerror(errno));
  std::vector<std::pair<uint64_t, JournalEntry>> ordered;
  for (const auto& [key, value] : pending_)
    ordered.push_back(value);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<JournalEntry> out;
  for (auto& [order, e] : ordered)
    out.push_back(std::move(e));
  return out;
}

bool NotificationJournal::is_open() const {
  std::lock_guard lock(mutex_);
  return fd_ >= 0;
}

void NotificationJournal::compact() {
  // Write the pending entries to a new file, then rename it over the old one: a crash in
  // between leaves one or the other whole.
  std::vector<std::pair<uint64_t, const JournalEntry*>> ordered;
  for (const auto& [key, value] : pending_)
    ordered.emplace_back(value.first, &value.second);
  std::sort(ordered.begin(), ordered.end());
  std::string text;
  for (const auto& [order, e] : ordered)
    text += added_line(*e);
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (!write_all(fd, text) || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return;
  }
  if (fd_ >= 0) ::close(fd_);
  ::close(fd);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  size_ = text.size();
}

bool NotificationJournal::append(const std::string& line) {
  if (fd_ < 0) return false;
  if (size_ + line.size() > max_bytes_) compact();
  if (fd_ < 0 || size_ + line.size() > max_bytes_) return false;
  if (!write_all(fd_, line)) return false;
  size_ += line.size();
  return true;
}

bool NotificationJournal::accepted(const JournalEntry& e) {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) return false;
  if (!clean_field(e.id) || !clean_field(e.event) || !clean_field(e.url) || !clean_field(e.body) ||
      !append(added_line(e))) {
    ++skipped_;
    return false;
  }
  pending_[{e.id, e.url}] = {next_order_++, e};
  return true;
}

void NotificationJournal::ended(const std::string& id, const std::string& url) {
  std::lock_guard lock(mutex_);
  if (pending_.erase({id, url}) == 0) return;
  // If the line cannot be written, the entry is sent again after a restart: at least once.
  append("D\t" + id + "\t" + url + "\n");
}

uint64_t NotificationJournal::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

uint64_t NotificationJournal::skipped() const {
  std::lock_guard lock(mutex_);
  return skipped_;
}

}  // namespace firstmile::control
