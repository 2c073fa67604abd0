#include "control/key_store.hpp"

#include "control/control_config.hpp"
#include "control/crypto.hpp"

namespace firstmile::control {

KeyStore::KeyStore(Logger log) : log_(std::move(log)) {}

Result<PublishKeys> KeyStore::read_file(const std::string& path, FileStamp& stamp) const {
  std::error_code ec;
  stamp.mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return fail(path, ": ", ec.message());
  stamp.size = std::filesystem::file_size(path, ec);
  if (ec) return fail(path, ": ", ec.message());
  try {
    return load_keys_file(path);
  } catch (const ConfigError& e) {
    return fail(e.what());
  }
}

Status KeyStore::configure(const PublishKeys& inline_keys, const std::string& keys_file) {
  PublishKeys from_file;
  FileStamp stamp;
  if (!keys_file.empty()) {
    auto keys = read_file(keys_file, stamp);
    if (!keys) return wrap("auth.keys_file", keys.error());
    from_file = std::move(*keys);
  }
  std::lock_guard lock(mutex_);
  inline_keys_ = inline_keys;
  file_keys_ = std::move(from_file);
  file_ = keys_file;
  stamp_ = stamp;
  rebuild();
  return Status{};
}

void KeyStore::poll() {
  std::string path;
  FileStamp old;
  {
    std::lock_guard lock(mutex_);
    if (file_.empty()) return;
    path = file_;
    old = stamp_;
  }
  std::error_code ec;
  FileStamp now{std::filesystem::last_write_time(path, ec), 0};
  if (!ec) now.size = std::filesystem::file_size(path, ec);
  if (ec || now == old) return;  // a vanished file keeps the last keys (an editor's rename)
  FileStamp stamp;
  auto keys = read_file(path, stamp);
  std::lock_guard lock(mutex_);
  if (file_ != path) return;
  stamp_ = stamp;  // a bad file is reported once, not on every poll
  if (!keys) {
    log_->error("keys file not reloaded, keeping the previous keys error=\"{}\"",
                keys.error().message);
    return;
  }
  file_keys_ = std::move(*keys);
  rebuild();
  size_t n = 0;
  for (const auto& [app, keys_of_app] : file_keys_)
    n += keys_of_app.size();
  log_->info("keys file reloaded file={} keys={}", path, n);
}

void KeyStore::rebuild() {
  auto merged = std::make_shared<PublishKeys>(inline_keys_);
  for (const auto& [app, keys] : file_keys_) {
    auto& dst = (*merged)[app];
    for (const auto& [key, name] : keys)
      dst[key] = name;
  }
  merged_ = std::move(merged);
}

KeyStore::Check KeyStore::check(const std::string& app, const std::string& key) const {
  std::string matched;
  return check_known(
      app, [&key](std::string_view candidate) { return constant_time_equal(candidate, key); },
      matched);
}

KeyStore::Check KeyStore::check_known(const std::string& app,
                                      const std::function<bool(std::string_view)>& knows,
                                      std::string& key) const {
  std::shared_ptr<const PublishKeys> keys;
  {
    std::lock_guard lock(mutex_);
    keys = merged_;
  }
  auto it = keys->find(app);
  if (it == keys->end()) return {};
  Check out{Verdict::Denied, {}};
  bool found = false;
  for (const auto& [candidate, name] : it->second) {
    const bool match = knows(candidate);
    if (match && !found) {
      found = true;
      key = candidate;
      out = Check{Verdict::Allowed, name.empty() ? candidate : name};
    }
  }
  return out;
}

bool KeyStore::has_keys(const std::string& app) const {
  std::lock_guard lock(mutex_);
  return merged_->count(app) > 0;
}

}  // namespace firstmile::control
