#pragma once
// What a protocol asks the control plane: may this client publish or play, and what happened
// that the operator's backend hears of. The ControlPlane implements it; protocols see only this
// (docs/architecture.md, "Seams").
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "control/control_config.hpp"
#include "core/config.hpp"

namespace firstmile::media {
class Stream;
}

namespace firstmile::control {

// A user name and password a client sent besides its URL (RTSP Basic or Digest). The password
// is the secret the URL would otherwise carry: a publisher's stream key, a player's signed-URL
// token (the user name is then its expiry).
struct Credentials {
  std::string user;
  std::string password;  // sent in clear (Basic)
  // Digest sends no password: this tells whether a candidate gives the client's answer. Only
  // secrets the server knows can be checked so (static keys, play tokens); never webhooks.
  std::function<bool(std::string_view candidate)> matches;
};

struct AccessRequest {
  std::string protocol;  // publish: "rtmp", "srt", "udp"; play: "rtmp", "flv", "srt", "hls", ...
  std::string app;
  std::string stream;  // as the client named it (for a publisher: its stream key, unless
                       // `credentials` carry the key)
  std::string query;   // the URL's query string, without '?'
  std::string peer;    // "address:port"
  std::optional<Credentials> credentials = std::nullopt;
};

struct AccessDecision {
  bool allowed = false;
  std::string stream;     // the name to use (a publish may be renamed)
  std::string reason;     // why not (safe to show the client: never contains the key)
  int http_status = 403;  // for HTTP players: 401 when a token is missing, else 403
};

class Admission {
 public:
  virtual ~Admission() = default;

  // Static keys or signed URLs, then the decision webhooks. Awaitable from any executor; resumes
  // there. A slow backend delays only the client that waits for it.
  virtual boost::asio::awaitable<AccessDecision> authorize_publish(AccessRequest request) = 0;
  virtual boost::asio::awaitable<AccessDecision> authorize_play(AccessRequest request) = 0;
  // The quick parts, for protocols that can refuse during their handshake (SRT): true when the
  // app has static keys and `key` is not one / when a required signed URL is missing, expired or
  // wrong. Counted as refusals.
  virtual bool static_key_refuses(const std::string& app, const std::string& key) = 0;
  virtual bool play_token_refuses(const AccessRequest& request) = 0;
  // Whether a Digest answer can be checked: publish to an app with static keys, play with
  // signed URLs. Otherwise a client asked for credentials is offered Basic only.
  virtual bool checks_digest(bool publish, const std::string& app) = 0;

  // A client of a connectionless protocol (HLS, DASH: an address fetching segments) started
  // watching: reported as on_play (notification mode). `protocol` is "hls", "dash", ...
  virtual void http_client_started(const media::Stream& stream, const std::string& client,
                                   const std::string& query, const char* protocol) = 0;

  // The settings in force now (auth, webhooks, limits change with a reload). Any thread.
  virtual std::shared_ptr<const Config> config() const = 0;
};

}  // namespace firstmile::control
