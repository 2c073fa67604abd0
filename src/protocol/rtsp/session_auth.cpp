// rtsp::Session, authentication: a client may send a user name and password instead of putting
// its secret in the URL (RFC 2326 refers to RFC 2617). The password is the secret: a
// publisher's stream key, a player's signed-URL token with its expiry as the user name; the
// control plane decides as for a URL that carries them (control::Credentials). A request
// refused without credentials is answered 401 with the challenges, so a client that has them
// (ffmpeg and VLC with rtsp://user:pass@..., cameras) sends them; one without gets the refusal.
#include "protocol/rtsp/session.hpp"

#include "protocol/rtsp/wire/auth.hpp"

namespace firstmile::rtsp {

namespace {
constexpr std::string_view kRealm = "firstmile";
}  // namespace

std::optional<control::Credentials> Session::credentials_of(const Message& request, bool& stale) {
  stale = false;
  auto value = request.header("Authorization");
  if (!value) return std::nullopt;
  auto parsed = parse_credentials(*value);
  if (!parsed) {
    ctx_.log->info("rtsp unreadable credentials peer={} reason=\"{}\"", peer_,
                   parsed.error().message);
    return std::nullopt;
  }
  control::Credentials out;
  out.user = parsed->user;
  if (parsed->scheme == Challenge::Scheme::Basic) {
    out.password = std::move(parsed->password);
    return out;
  }
  // A Digest answer counts only for the nonce this connection was given.
  if (nonce_.empty() || parsed->nonce != nonce_ || parsed->realm != kRealm) {
    stale = !nonce_.empty();
    return std::nullopt;
  }
  out.matches = [c = std::move(*parsed), method = request.method](std::string_view password) {
    return digest_matches(c, method, password);
  };
  return out;
}

void Session::challenge(const Message& request, bool publish, const std::string& app, bool stale,
                        std::string_view reason) {
  if (nonce_.empty()) nonce_ = new_session_id() + new_session_id();
  Headers headers;
  // Digest first: clients take the strongest scheme they know, but some take the first.
  if (ctx_.admission.checks_digest(publish, app)) {
    Challenge digest;
    digest.scheme = Challenge::Scheme::Digest;
    digest.realm = kRealm;
    digest.nonce = nonce_;
    digest.stale = stale;
    headers.emplace_back("WWW-Authenticate", write_challenge(digest));
  }
  Challenge basic;
  basic.realm = kRealm;
  headers.emplace_back("WWW-Authenticate", write_challenge(basic));
  reply(request, 401, "Unauthorized (" + std::string(reason) + ")", std::move(headers));
}

}  // namespace firstmile::rtsp
