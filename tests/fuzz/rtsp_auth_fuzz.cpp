// What an RTSP client reads from a camera besides media: the WWW-Authenticate challenges of a
// 401 and the control URLs of its DESCRIBE answer; and what the server reads from a client: its
// Authorization. Checks: challenges are bounded; each is answered, and the Digest answer reads
// back (as a challenge of the same syntax) with the realm and nonce it was given, so quoting
// round-trips; a Basic answer is base64 of user:password; a client's Basic credentials read
// back from their encoding; a resolved control URL is the control as given or starts with the
// base; a source URL split for the client is an rtsp:// URL with a port.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "protocol/rtsp/wire/auth.hpp"
#include "protocol/rtsp/wire/source_url.hpp"

using namespace firstmile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The part before the first newline is also taken as a base and a control URL.
  const auto newline = input.find('\n');
  const std::string_view first = input.substr(0, newline);
  const std::string_view rest =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  auto challenges = rtsp::parse_challenges(input);
  if (challenges) {
    if (challenges->size() > 8) __builtin_trap();
    for (const auto& c : *challenges) {
      const auto value = rtsp::authorization(c, "user", "pa:ss\"", "DESCRIBE", first, 1, "cn");
      if (c.scheme == rtsp::Challenge::Scheme::Basic) {
        if (value != "Basic " + base64_encode(as_bytes("user:pa:ss\""))) __builtin_trap();
        continue;
      }
      if (c.nonce.empty()) __builtin_trap();
      auto back = rtsp::parse_challenges(value);
      if (!back) {
        // Only when what was quoted is over the per-value bound.
        if (c.realm.size() < 1000 && c.nonce.size() < 1000 && c.opaque.size() < 1000 &&
            first.size() < 1000)
          __builtin_trap();
        continue;
      }
      if (back->size() != 1 || (*back)[0].realm != c.realm || (*back)[0].nonce != c.nonce ||
          (*back)[0].opaque != c.opaque)
        __builtin_trap();
    }
  }

  // The server's side: a client's Authorization. Basic reads back from its own encoding; a
  // Digest answer has a 32-digit response and is never matched by a Basic reading.
  if (auto c = rtsp::parse_credentials(input)) {
    if (c->scheme == rtsp::Challenge::Scheme::Basic) {
      const std::string pair = c->user + ":" + c->password;
      auto back = rtsp::parse_credentials("Basic " + base64_encode(as_bytes(pair)));
      if (!back || back->user != c->user || back->password != c->password) __builtin_trap();
      if (rtsp::digest_matches(*c, "DESCRIBE", c->password)) __builtin_trap();
    } else {
      if (c->response.size() != 32 || c->nonce.empty() || c->uri.empty()) __builtin_trap();
      if (!c->password.empty()) __builtin_trap();
      (void)rtsp::digest_matches(*c, "RECORD", first);
    }
  }

  const auto resolved = rtsp::resolve_control(first, rest);
  if (resolved != rest && resolved.compare(0, first.size(), first) != 0) __builtin_trap();
  if (auto url = rtsp::parse_source_url(input)) {
    if (url->url.rfind("rtsp://", 0) != 0 || url->port == 0) __builtin_trap();
  }
  return 0;
}
