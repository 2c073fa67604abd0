#pragma once
// Static stream keys: per app, the secret key an encoder publishes with and the public stream
// name it becomes. Keys come from the config (auth.publish_keys) and an optional keys file
// (auth.keys_file, same shape) that is re-read when it changes, so an operator can add or
// revoke a key without a reload. Any thread may check; the tables are swapped whole.
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "control/control_config.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"

namespace firstmile::control {

class KeyStore {
 public:
  enum class Verdict {
    NoKeys,   // the app has no keys configured: static keys do not decide
    Allowed,  // `stream` is the public name
    Denied,
  };
  struct Check {
    Verdict verdict = Verdict::NoKeys;
    std::string stream;
  };

  explicit KeyStore(Logger log);

  // Sets the inline keys and the keys file (start-up and hot reload). Reads the file at once;
  // an unreadable or malformed file is an error and leaves the previous tables in place.
  Status configure(const PublishKeys& inline_keys, const std::string& keys_file);
  // Re-reads the keys file if its modification time or size changed. A bad file is logged
  // and the previous keys stay.
  void poll();

  // Compares `key` with every key of `app` in constant time (no early exit on a match, no
  // map lookup keyed by the secret), so timing tells nothing about the keys.
  Check check(const std::string& app, const std::string& key) const;
  // The same for a client that proved it knows a key without sending it (RTSP Digest):
  // `knows(candidate)` is asked of every key of `app`, with no early exit; the key that matched
  // goes to `key`.
  Check check_known(const std::string& app, const std::function<bool(std::string_view)>& knows,
                    std::string& key) const;
  // Whether `app` has static keys.
  bool has_keys(const std::string& app) const;

 private:
  struct FileStamp {
    std::filesystem::file_time_type mtime{};
    uintmax_t size = 0;
    bool operator==(const FileStamp&) const = default;
  };
  Result<PublishKeys> read_file(const std::string& path, FileStamp& stamp) const;
  void rebuild();

  Logger log_;
  mutable std::mutex mutex_;
  PublishKeys inline_keys_;
  PublishKeys file_keys_;
  std::string file_;
  FileStamp stamp_;
  std::shared_ptr<const PublishKeys> merged_ = std::make_shared<PublishKeys>();
};

}  // namespace firstmile::control
