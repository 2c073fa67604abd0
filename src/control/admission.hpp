#pragma once
// What a protocol asks the control plane: may this client publish or play, and what happened
// that the operator's backend hears of. The ControlPlane implements it; protocols see only this
// (docs/architecture.md, "Seams").
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "control/control_config.hpp"
#include "core/config.hpp"

namespace firstmile::media {
class Stream;
}

namespace firstmile::control {

struct AccessRequest {
  std::string protocol;  // publish: "rtmp", "srt", "udp"; play: "rtmp", "flv", "srt", "hls", ...
  std::string app;
  std::string stream;  // as the client named it (for a publisher: its stream key)
  std::string query;   // the URL's query string, without '?'
  std::string peer;    // "address:port"
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

  // A client of a connectionless protocol (HLS, DASH: an address fetching segments) started
  // watching: reported as on_play (notification mode). `protocol` is "hls", "dash", ...
  virtual void http_client_started(const media::Stream& stream, const std::string& client,
                                   const std::string& query, const char* protocol) = 0;

  // The settings in force now (auth, webhooks, limits change with a reload). Any thread.
  virtual std::shared_ptr<const Config> config() const = 0;
};

}  // namespace firstmile::control
