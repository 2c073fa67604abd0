#pragma once
// The server configuration. Every key has a default, so the server runs with no file at all;
// a YAML file overrides what it names. Loading is start-up code: it throws ConfigError with
// the file, the key and the reason, and main() prints it.
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace firstmile {

using Duration = std::chrono::milliseconds;

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class PublishConflict { Refuse, TakeOver };

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "text";  // text (logfmt-style fields) or json (one object per line)
};

struct RtmpConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:1935";
  uint32_t chunk_size = 4096;  // our outbound chunk size
  uint32_t max_incoming_chunk_size = 16 << 20;
  uint32_t max_message_size = 8 << 20;   // largest message a peer may send
  uint32_t ack_window = 2500000;         // Window Acknowledgement Size we announce
  Duration handshake_timeout{10000};     // TCP accept to publish/play command
  Duration publish_idle_timeout{15000};  // a publisher that sends no media for this long
  PublishConflict on_conflict = PublishConflict::Refuse;
};

struct SrtConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:8890";  // UDP
  Duration latency{200};                // SRT receive latency (retransmission window)
  Duration peer_idle_timeout{5000};     // a publisher silent this long is dropped
  // Per app passphrase (10..79 characters; AES). A caller of an app with one must use it.
  std::map<std::string, std::string> passphrases;
  uint32_t pbkeylen = 16;  // AES key length when encrypting: 16, 24 or 32
};

// Plain UDP / MPEG-TS inputs (hardware encoders): one socket per input, no handshake.
struct UdpConfig {
  std::map<std::string, std::string> inputs;  // "app/stream" -> listen address "host:port"
  Duration idle_timeout{5000};                // a source silent this long ends its publish
  uint64_t recv_buffer = 4 << 20;             // SO_RCVBUF: encoders send in bursts
};

struct HttpConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:8080";
  uint32_t max_header_bytes = 16 << 10;
  uint32_t max_body_bytes = 1 << 20;
  Duration idle_timeout{30000};   // keep-alive connection with no request
  std::string cors_origin = "*";  // Access-Control-Allow-Origin; empty disables CORS headers
  std::string static_dir;         // files served under static_prefix; empty = off
  std::string static_prefix = "/console";  // URL prefix of static_dir's files
};

struct HlsConfig {
  bool enabled = true;
  double segment_duration = 2.0;       // seconds; segments are cut at the next keyframe after it
  uint32_t window = 6;                 // segments listed in the live playlist
  uint32_t keep_extra = 2;             // segments kept in memory after leaving the playlist
  double max_segment_duration = 10.0;  // cut even without a keyframe past this
  std::string dir;                     // optional copy on disk; empty = memory only
  // Segment format: "ts" (MPEG-TS), "fmp4" (fMP4/CMAF with EXT-X-MAP) or "ll" (fMP4 with
  // Low-Latency HLS parts, blocking reloads and delta updates).
  std::string variant = "ts";
  std::map<std::string, std::string> app_variants;  // app -> variant, overriding hls.variant
  double part_duration = 0.2;             // seconds, ll: PART-TARGET (a part is never longer)
  uint32_t max_blocking_requests = 5000;  // ll: blocking requests waiting per stream
  // fmp4/ll: also video-only and audio-only renditions (video.m3u8, audio.m3u8) that
  // master.m3u8 offers as a video variant with alternate audio.
  bool audio_rendition = false;
};

// MPEG-DASH output: segments cut like HLS (hls.segment_duration, hls.window, hls.keep_extra).
struct DashConfig {
  bool enabled = false;
  bool low_latency = true;      // chunked delivery of the segment being produced
  double chunk_duration = 0.5;  // seconds: one CMAF chunk (moof+mdat) about this long
};

struct FanoutConfig {
  uint64_t max_queue_bytes = 8 << 20;  // per viewer; past it the viewer skips to a keyframe
  Duration max_lag{5000};              // queued media older than this also triggers a skip
  uint32_t max_skips = 3;              // skips within skip_window before disconnecting
  Duration skip_window{30000};
  // The stream flushes its viewers' held packets on one timer this often, several packets per
  // send (the kernel's per-send work dominates fan-out CPU); 0 = one send per packet at once.
  Duration coalesce{10};
  // SO_SNDBUF of viewer sockets; 0 keeps the kernel's autotuning (which may buffer megabytes
  // per viewer on its own before the queue above ever fills).
  uint64_t send_buffer = 0;
  uint64_t max_gop_cache_bytes = 32 << 20;
};

struct StreamConfig {
  Duration linger{30000};  // keep an ended stream's HLS and state this long for a reconnect
  uint32_t max_streams = 1000;
  uint32_t max_name_length = 256;
};

struct LimitsConfig {
  uint32_t max_connections = 10000;  // all protocols together
};

// Stream keys per app: app -> (secret key -> public stream name). An empty public name keeps
// the key as the name (plain nginx-rtmp-style keys).
using PublishKeys = std::map<std::string, std::map<std::string, std::string>>;

enum class PlayAuth { Off, Token, Webhook };

struct AuthConfig {
  PublishKeys publish_keys;
  std::string keys_file;  // same shape as publish_keys, re-read when it changes
  PlayAuth play = PlayAuth::Off;
  std::string play_secret;         // HMAC key of signed playback URLs
  Duration play_cache{30000};      // webhook mode: how long an HLS client's allow is kept
  bool webhook_fail_open = false;  // an unreachable auth webhook allows instead of refusing
};

struct WebhooksConfig {
  std::vector<std::string> on_publish, on_unpublish, on_play, on_stop, on_hls_segment;
  std::string secret;  // X-Firstmile-Signature key; empty = unsigned
  Duration timeout{3000};
  uint32_t max_retries = 5;
  Duration retry_backoff{1000};
  Duration retry_backoff_max{60000};
  uint32_t queue_size = 10000;
  uint64_t max_response_bytes = 64 << 10;
};

struct ApiConfig {
  std::string token;  // Bearer token; empty = loopback clients only
};

struct MetricsConfig {
  bool enabled = true;
};

struct Config {
  LogConfig log;
  uint32_t workers = 0;  // worker threads; 0 = one per core
  std::string node_id;   // defaults to the host name
  LimitsConfig limits;
  RtmpConfig rtmp;
  SrtConfig srt;
  UdpConfig udp;
  HttpConfig http;
  HlsConfig hls;
  DashConfig dash;
  FanoutConfig fanout;
  StreamConfig stream;
  AuthConfig auth;
  WebhooksConfig webhooks;
  ApiConfig api;
  MetricsConfig metrics;
};

// Loads a YAML file over the defaults. Throws ConfigError("FILE: KEY: reason").
Config load_config_file(const std::string& path);
// Parses YAML text over the defaults; `origin` names the source in errors.
Config parse_config(const std::string& yaml_text, const std::string& origin);
// The effective configuration as YAML (for --print-config). Secrets (keys, tokens) are shown
// redacted unless `with_secrets` (the config hash covers them too).
std::string dump_config(const Config& config, bool with_secrets = false);
// The keys ("rtmp.listen", "auth.publish_keys", ...) whose values differ between a and b.
std::vector<std::string> changed_keys(const Config& a, const Config& b);
// Reads a stream keys file (the shape of auth.publish_keys). Throws ConfigError.
PublishKeys load_keys_file(const std::string& path);

// "10s", "250ms", "2m", "1.5" (seconds) -> milliseconds. Throws ConfigError.
Duration parse_duration(const std::string& text);
// "8MiB", "512KiB", "4096", "1M" (= MiB), "2G" -> bytes. Throws ConfigError.
uint64_t parse_size(const std::string& text);

}  // namespace firstmile
