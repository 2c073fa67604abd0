// rtmp_load: the fan-out benchmark's load generator. One process publishes a synthetic stream
// over RTMP at a set bitrate and plays it back with N players (one Asio thread; RTMP, or RTSP
// with --rtsp-port, RTP interleaved in the connection), then prints JSON:
// time to first frame, the delay the server adds (publisher write -> bytes in the player's
// socket), what each player received against what was sent, and (with --server-pid) the
// server's CPU time per delivered MB and resident memory per player. bench/run.sh drives it
// against firstmile and nginx-rtmp; docs/benchmarks.md explains the method.
//
// Phases: publish, settle, sample the server's RSS, ramp players at --ramp-rate, wait for each
// to get its first keyframe, settle, then the measurement window: --duration seconds of
// publishing plus --drain seconds for the last frames to arrive. Only frames published inside
// the window count towards delivery and delay, so the GOP a server replays to a new player is
// not mistaken for added delay.
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include "load/report.hpp"
#include "load/rtmp_conn.hpp"
#include "load/synth.hpp"
#include "protocol/rtsp/wire/message.hpp"

namespace firstmile::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::nanoseconds;
namespace json = boost::json;
namespace msg = rtmp::msg_type;

constexpr uint32_t kPublishChunkSize = 4096;
// A keyframe is this many times the size of a P frame, roughly what x264 produces for a
// 1 s GOP of talking-head content at this bitrate.
constexpr double kKeyframeRatio = 8;
constexpr size_t kReadBufferSize = 64 * 1024;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 1935;
  std::string app = "live";
  std::string key = "bench";
  uint32_t players = 100;
  double ramp_rate = 200;  // players started per second
  double duration = 30;    // seconds of measurement window
  double settle = 2;
  double drain = 2;
  double setup_timeout = 15;  // publish, and all players' first frames after the ramp
  uint32_t video_kbps = 500;
  uint32_t audio_kbps = 64;
  uint32_t fps = 30;
  double gop_seconds = 1;
  int server_pid = 0;
  // Players play over RTSP (rtsp://host:rtsp_port/app/key, RTP interleaved in the connection)
  // instead of RTMP; the publisher still publishes over RTMP.
  uint16_t rtsp_port = 0;
};

struct Player {
  explicit Player(asio::any_io_executor ex) : conn(ex) {}
  RtmpConn conn;
  bool playing = false;  // play sent
  bool ended = false;
  std::string error;
  int64_t play_ns = 0, first_media_ns = 0, first_key_ns = 0;
  uint64_t video_frames = 0, audio_frames = 0, out_of_order = 0;
  uint32_t last_seq[2] = {0, 0};  // audio, video
  bool have_seq[2] = {false, false};
  uint64_t window_msgs = 0, window_bytes = 0;
  // RTSP players: the connection's bytes (conn's reader is not used) and its parser.
  uint64_t rtsp_bytes = 0;
  rtsp::MessageReader rtsp_reader;
};

// The publisher runs on its own thread (and io_context) so that its pacing does not wait for
// the players' thread to get through a burst of reads.
struct Publisher {
  enum State { kConnecting, kPublishing, kFailed };
  explicit Publisher(asio::any_io_executor ex) : conn(ex) {}
  RtmpConn conn;
  // Shared with the players' thread. `error` is written before kFailed is stored.
  std::atomic<int> state{kConnecting};
  std::atomic<bool> open_window{false}, stop{false};
  std::atomic<uint32_t> window_first{UINT32_MAX};  // first seq of the measurement window
  // Publisher thread only until it is joined.
  std::string error;
  bool ended = false;
  uint32_t next_seq = 0;
  uint64_t video_frames = 0, audio_frames = 0, media_bytes = 0;
  uint64_t window_msgs = 0, window_bytes = 0;

  void fail(std::string e) {
    if (state == kFailed) return;
    error = std::move(e);
    state = kFailed;
  }
};

class Bench {
 public:
  Bench(asio::io_context& io, Options opt)
      : io_(io),
        opt_(std::move(opt)),
        endpoint_(asio::ip::make_address(opt_.host), opt_.port),
        pub_io_(1),
        pub_(pub_io_.get_executor()),
        read_buf_(kReadBufferSize) {}

  asio::awaitable<void> run();
  int exit_code() const { return exit_code_; }
  const json::object& result() const { return result_; }

 private:
  asio::awaitable<void> sleep(double seconds) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(duration_cast<nanoseconds>(std::chrono::duration<double>(seconds)));
    co_await t.async_wait(kTuple);
  }
  std::string tc_url() const {
    return "rtmp://" + opt_.host + ":" + std::to_string(opt_.port) + "/" + opt_.app;
  }
  asio::awaitable<Status> publish_setup(uint32_t& stream_id);
  asio::awaitable<void> publish();
  asio::awaitable<void> publisher_reader();
  asio::awaitable<void> play(Player& p);
  asio::awaitable<Status> play_setup(Player& p);
  void on_media(Player& p, const rtmp::Message& m, int64_t kernel_ns, int64_t app_ns);
  // A frame a player got: its stamp, kind, whether a keyframe, its bytes as received.
  void on_frame(Player& p, const Stamp& stamp, bool video, bool keyframe, size_t bytes,
                int64_t kernel_ns, int64_t app_ns);
  // RTSP players: DESCRIBE, SETUP of both tracks interleaved, PLAY; then each RTP packet.
  asio::awaitable<Status> play_setup_rtsp(Player& p);
  asio::awaitable<Result<rtsp::Message>> rtsp_request(Player& p, const std::string& text);
  void on_rtp(Player& p, uint8_t channel, ByteSpan packet, int64_t kernel_ns, int64_t app_ns);
  uint64_t wire_bytes() const;
  json::object report(const json::object& phase);

  asio::io_context& io_;
  Options opt_;
  tcp::endpoint endpoint_;
  asio::io_context pub_io_;
  std::thread pub_thread_;
  Publisher pub_;
  std::vector<std::unique_ptr<Player>> players_;
  std::vector<double> added_delay_ms_, keyframe_delay_ms_, read_delay_ms_, audio_delay_ms_;
  Bytes read_buf_;  // shared by all players: one thread, each read is parsed before the next
  json::object result_;
  int exit_code_ = 0;
};

asio::awaitable<Status> Bench::publish_setup(uint32_t& stream_id) {
  auto& c = pub_.conn;
  if (auto st = co_await c.connect(endpoint_); !st) co_return st;
  if (auto st = co_await c.handshake(); !st) co_return st;
  c.set_chunk_size(kPublishChunkSize);
  c.command(kCommandCsid, 0,
            {"connect", 1,
             Value::object({{"app", opt_.app},
                            {"type", "nonprivate"},
                            {"flashVer", "FMLE/3.0 (compatible; FMSc/1.0)"},
                            {"tcUrl", tc_url()}})});
  auto r = co_await c.wait_command(1);
  if (!r) co_return r.error();
  if ((*r)[0].as_string() != "_result") co_return fail("connect refused: ", status_code(*r));
  // FFmpeg's publish sequence (libavformat/rtmpproto.c).
  c.command(kCommandCsid, 0, {"releaseStream", 2, nullptr, opt_.key});
  c.command(kCommandCsid, 0, {"FCPublish", 3, nullptr, opt_.key});
  c.command(kCommandCsid, 0, {"createStream", 4, nullptr});
  r = co_await c.wait_command(4);
  if (!r) co_return r.error();
  if ((*r)[0].as_string() != "_result" || r->size() < 4) co_return fail("createStream refused");
  stream_id = static_cast<uint32_t>((*r)[3].as_number());
  c.command(kStreamCsid, stream_id, {"publish", 5, nullptr, opt_.key, "live"});
  r = co_await c.wait_command(-1);
  if (!r) co_return r.error();
  if (status_code(*r) != "NetStream.Publish.Start")
    co_return fail("publish refused: ", status_code(*r));
  double fps = opt_.fps;
  c.queue(msg::kDataAmf0, kStreamCsid, stream_id, 0,
          amf0::encode_all(
              std::vector<Value>{"@setDataFrame", "onMetaData",
                                 Value::ecma_array({{"width", 640.0},
                                                    {"height", 360.0},
                                                    {"framerate", fps},
                                                    {"videocodecid", 7.0},
                                                    {"videodatarate", double(opt_.video_kbps)},
                                                    {"audiocodecid", 10.0},
                                                    {"audiodatarate", double(opt_.audio_kbps)},
                                                    {"audiosamplerate", double(kAudioSampleRate)},
                                                    {"stereo", true},
                                                    {"encoder", "firstmile rtmp_load"}})}));
  c.queue(msg::kVideo, kVideoCsid, stream_id, 0, video_config_body());
  c.queue(msg::kAudio, kAudioCsid, stream_id, 0, audio_config_body());
  co_return co_await c.flush();
}

// Drains what the server sends the publisher (acks, pings); replies go out with the next frames.
asio::awaitable<void> Bench::publisher_reader() {
  Bytes buf(16 * 1024);
  std::vector<rtmp::Message> msgs;
  while (!pub_.ended) {
    auto [ec, n] = co_await pub_.conn.socket().async_read_some(asio::buffer(buf), kTuple);
    if (ec) {
      if (!pub_.stop) pub_.fail("publisher read: " + ec.message());
      co_return;
    }
    msgs.clear();
    if (auto st = pub_.conn.feed(ByteSpan(buf.data(), n), msgs); !st) {
      pub_.fail("publisher: " + st.error().message);
      co_return;
    }
  }
}

asio::awaitable<void> Bench::publish() {
  uint32_t sid = 0;
  if (auto st = co_await publish_setup(sid); !st) {
    pub_.fail("publish: " + st.error().message);
    co_return;
  }
  pub_.state = Publisher::kPublishing;
  asio::co_spawn(pub_io_, publisher_reader(), asio::detached);

  const double video_period_ns = 1e9 / opt_.fps;
  const double audio_period_ns = 1e9 * kAacFrameSamples / kAudioSampleRate;
  const auto gop_frames =
      std::max<uint64_t>(1, static_cast<uint64_t>(opt_.fps * opt_.gop_seconds + 0.5));
  const double gop_bytes = opt_.video_kbps * 1000.0 / 8 * opt_.gop_seconds;
  const auto p_size =
      static_cast<size_t>(gop_bytes / (static_cast<double>(gop_frames - 1) + kKeyframeRatio));
  const auto k_size = static_cast<size_t>(static_cast<double>(p_size) * kKeyframeRatio);
  const auto a_size = static_cast<size_t>(opt_.audio_kbps * 1000.0 / 8 * audio_period_ns / 1e9);

  auto count = [this](size_t bytes) {
    if (pub_.next_seq >= pub_.window_first) {
      ++pub_.window_msgs;
      pub_.window_bytes += bytes;
    }
    pub_.media_bytes += bytes;
    ++pub_.next_seq;
  };
  asio::steady_timer timer(pub_io_);
  const auto start = Clock::now();
  auto at = [start](double ns) { return start + nanoseconds(static_cast<int64_t>(ns)); };
  uint64_t vi = 0, ai = 0;
  while (!pub_.stop) {
    timer.expires_at(std::min(at(vi * video_period_ns), at(ai * audio_period_ns)));
    co_await timer.async_wait(kTuple);
    if (pub_.stop) break;
    if (pub_.open_window && pub_.window_first == UINT32_MAX) pub_.window_first = pub_.next_seq;
    auto now = Clock::now();
    // The stamp is taken as the frame is queued; the write follows without yielding.
    for (; at(vi * video_period_ns) <= now; ++vi) {
      bool key = vi % gop_frames == 0;
      auto body = video_frame_body(key, key ? k_size : p_size, Stamp{pub_.next_seq, realtime_ns()});
      count(body.size());
      ++pub_.video_frames;
      pub_.conn.queue(msg::kVideo, kVideoCsid, sid, static_cast<uint32_t>(vi * 1000 / opt_.fps),
                      std::move(body));
    }
    for (; at(ai * audio_period_ns) <= now; ++ai) {
      auto body = audio_frame_body(a_size, Stamp{pub_.next_seq, realtime_ns()});
      count(body.size());
      ++pub_.audio_frames;
      pub_.conn.queue(msg::kAudio, kAudioCsid, sid,
                      static_cast<uint32_t>(ai * kAacFrameSamples * 1000 / kAudioSampleRate),
                      std::move(body));
    }
    if (auto st = co_await pub_.conn.flush(); !st) {
      pub_.fail("publisher " + st.error().message);
      break;
    }
  }
  pub_.ended = true;
}

asio::awaitable<Status> Bench::play_setup(Player& p) {
  auto& c = p.conn;
  if (auto st = co_await c.connect(endpoint_); !st) co_return st;
  int on = 1;
  ::setsockopt(c.socket().native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  if (auto st = co_await c.handshake(); !st) co_return st;
  // FFmpeg's play sequence (libavformat/rtmpproto.c).
  c.command(kCommandCsid, 0,
            {"connect", 1,
             Value::object({{"app", opt_.app},
                            {"flashVer", "LNX 9,0,124,2"},
                            {"tcUrl", tc_url()},
                            {"fpad", false},
                            {"capabilities", 15.0},
                            {"audioCodecs", 4071.0},
                            {"videoCodecs", 252.0},
                            {"videoFunction", 1.0}})});
  auto r = co_await c.wait_command(1);
  if (!r) co_return r.error();
  if ((*r)[0].as_string() != "_result") co_return fail("connect refused: ", status_code(*r));
  c.queue(msg::kWindowAckSize, rtmp::kControlCsid, 0, 0, rtmp::encode_window_ack_size(2500000));
  c.command(kCommandCsid, 0, {"createStream", 2, nullptr});
  r = co_await c.wait_command(2);
  if (!r) co_return r.error();
  if ((*r)[0].as_string() != "_result" || r->size() < 4) co_return fail("createStream refused");
  auto sid = static_cast<uint32_t>((*r)[3].as_number());
  c.command(kStreamCsid, sid, {"play", 0, nullptr, opt_.key, -1000});
  c.queue(msg::kUserControl, rtmp::kControlCsid, 0, 0, rtmp::encode_set_buffer_length(sid, 3000));
  p.play_ns = realtime_ns();
  p.playing = true;
  co_return co_await c.flush();
}

void Bench::on_media(Player& p, const rtmp::Message& m, int64_t kernel_ns, int64_t app_ns) {
  if (m.type != msg::kAudio && m.type != msg::kVideo) return;
  auto stamp = read_stamp(m.type, m.payload.span());
  if (!stamp) return;  // sequence headers
  const bool video = m.type == msg::kVideo;
  on_frame(p, *stamp, video, video && (m.payload[0] >> 4) == 1, m.payload.size(), kernel_ns,
           app_ns);
}

void Bench::on_frame(Player& p, const Stamp& stamp, bool video, bool keyframe, size_t bytes,
                     int64_t kernel_ns, int64_t app_ns) {
  int64_t arrived = kernel_ns != 0 ? kernel_ns : app_ns;
  if (p.first_media_ns == 0) p.first_media_ns = arrived;
  if (keyframe && p.first_key_ns == 0) p.first_key_ns = arrived;
  ++(video ? p.video_frames : p.audio_frames);
  if (p.have_seq[video] && stamp.seq <= p.last_seq[video]) ++p.out_of_order;
  p.last_seq[video] = stamp.seq;
  p.have_seq[video] = true;
  if (stamp.seq < pub_.window_first) return;
  ++p.window_msgs;
  p.window_bytes += bytes;
  double added = static_cast<double>(arrived - stamp.sent_ns) / 1e6;
  if (!video) {
    audio_delay_ms_.push_back(added);
  } else {
    added_delay_ms_.push_back(added);
    if (keyframe) keyframe_delay_ms_.push_back(added);
    read_delay_ms_.push_back(static_cast<double>(app_ns - stamp.sent_ns) / 1e6);
  }
}

asio::awaitable<Result<rtsp::Message>> Bench::rtsp_request(Player& p, const std::string& text) {
  auto& sock = p.conn.socket();
  auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(text), kTuple);
  if (wec) co_return fail("write: ", wec.message());
  // Its own buffer: players set up side by side, each with a read outstanding (read_buf_ is
  // for the media loop, where reads complete before the next starts).
  Bytes buf(4096);
  for (;;) {
    auto item = p.rtsp_reader.next();
    if (!item) co_return item.error();
    if (*item) {
      if (auto* m = std::get_if<rtsp::Message>(&**item)) co_return std::move(*m);
      continue;  // an interleaved frame before the answer: none are expected yet
    }
    auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf), kTuple);
    if (ec) co_return fail("read: ", ec.message());
    p.rtsp_bytes += n;
    p.rtsp_reader.feed(ByteSpan(buf.data(), n));
  }
}

asio::awaitable<Status> Bench::play_setup_rtsp(Player& p) {
  auto& sock = p.conn.socket();
  const tcp::endpoint ep(endpoint_.address(), opt_.rtsp_port);
  auto [cec] = co_await sock.async_connect(ep, kTuple);
  if (cec) co_return fail("connect: ", cec.message());
  int on = 1;
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  const std::string url = "rtsp://" + opt_.host + ":" + std::to_string(opt_.rtsp_port) + "/" +
                          opt_.app + "/" + opt_.key;
  auto described = co_await rtsp_request(
      p, "DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n");
  if (!described) co_return described.error();
  if (described->status != 200) co_return fail("DESCRIBE: ", described->status);
  // The server's tracks: trackID=0 (video) and trackID=1 (audio) below the Content-Base.
  std::string session;
  for (int track = 0; track < 2; ++track) {
    std::string text =
        "SETUP " + url + "/trackID=" + std::to_string(track) +
        " RTSP/1.0\r\nCSeq: " + std::to_string(2 + track) +
        "\r\nTransport: RTP/AVP/TCP;unicast;interleaved=" + std::to_string(2 * track) + "-" +
        std::to_string(2 * track + 1) + "\r\n";
    if (!session.empty()) text += "Session: " + session + "\r\n";
    auto set_up = co_await rtsp_request(p, text + "\r\n");
    if (!set_up) co_return set_up.error();
    if (set_up->status != 200) co_return fail("SETUP: ", set_up->status);
    if (auto h = set_up->header("Session")) session = std::string(h->substr(0, h->find(';')));
  }
  p.play_ns = realtime_ns();
  p.playing = true;
  auto played =
      co_await rtsp_request(p, "PLAY " + url + " RTSP/1.0\r\nCSeq: 4\r\nSession: " + session +
                                   "\r\nRange: npt=0.000-\r\n\r\n");
  if (!played) co_return played.error();
  if (played->status != 200) co_return fail("PLAY: ", played->status);
  co_return Status{};
}

void Bench::on_rtp(Player& p, uint8_t channel, ByteSpan packet, int64_t kernel_ns, int64_t app_ns) {
  if (channel != 0 && channel != 2) return;  // RTCP
  if (packet.size() < 12) return;
  size_t header = 12 + 4 * (packet[0] & 0x0f);
  if ((packet[0] & 0x10) && packet.size() >= header + 4)
    header += 4 + 4 * ((packet[header + 2] << 8) | packet[header + 3]);
  if (packet.size() <= header) return;
  ByteSpan payload = packet.subspan(header);
  // The stamp is where the publisher put it: the first bytes after the first NAL header
  // (H.264 single NAL unit or FU-A start), the first bytes of the AAC frame after the
  // AU headers (RFC 3640: 2 bytes of length, one 2-byte header).
  size_t at = 0;
  bool keyframe = false;
  const bool video = channel == 0;
  if (video) {
    const int type = payload[0] & 0x1f;
    if (type == 28) {
      if (payload.size() < 2 || !(payload[1] & 0x80)) return;  // not the start
      keyframe = (payload[1] & 0x1f) == 5;
      at = 2;
    } else if (type >= 1 && type <= 23) {
      keyframe = type == 5;
      at = 1;
    } else {
      return;  // STAP-A: parameter sets
    }
  } else {
    at = 4;
  }
  if (payload.size() < at) return;
  if (auto stamp = parse_stamp(payload.subspan(at)))
    on_frame(p, *stamp, video, keyframe, packet.size(), kernel_ns, app_ns);
}

asio::awaitable<void> Bench::play(Player& p) {
  const bool rtsp = opt_.rtsp_port != 0;
  auto setting_up = rtsp ? play_setup_rtsp(p) : play_setup(p);
  if (auto st = co_await std::move(setting_up); !st) {
    p.error = st.error().message;
    p.ended = true;
    co_return;
  }
  auto& sock = p.conn.socket();
  int fd = sock.native_handle();
  std::vector<rtmp::Message> msgs;
  for (;;) {
    auto [ec] = co_await sock.async_wait(tcp::socket::wait_read, kTuple);
    if (ec) break;  // closed by us at the end
    auto r = recv_stamped(fd, read_buf_.data(), read_buf_.size());
    if (r.n < 0) {
      if (r.error == EAGAIN || r.error == EWOULDBLOCK || r.error == EINTR) continue;
      p.error = std::string("read: ") + std::strerror(r.error);
      break;
    }
    if (r.n == 0) {
      p.error = "closed by server";
      break;
    }
    int64_t app_ns = realtime_ns();
    if (rtsp) {
      p.rtsp_bytes += static_cast<uint64_t>(r.n);
      p.rtsp_reader.feed(ByteSpan(read_buf_.data(), static_cast<size_t>(r.n)));
      bool bad = false;
      for (;;) {
        auto item = p.rtsp_reader.next();
        if (!item) {
          p.error = item.error().message;
          bad = true;
          break;
        }
        if (!*item) break;
        if (auto* f = std::get_if<rtsp::InterleavedFrame>(&**item))
          on_rtp(p, f->channel, f->data, r.kernel_ns, app_ns);
      }
      if (bad) break;
      continue;
    }
    msgs.clear();
    if (auto st = p.conn.feed(ByteSpan(read_buf_.data(), static_cast<size_t>(r.n)), msgs); !st) {
      p.error = st.error().message;
      break;
    }
    for (const auto& m : msgs)
      on_media(p, m, r.kernel_ns, app_ns);
    if (p.conn.has_output()) {
      if (auto st = co_await p.conn.flush(); !st) {
        p.error = st.error().message;
        break;
      }
    }
  }
  p.ended = true;
}

uint64_t Bench::wire_bytes() const {
  uint64_t sum = 0;
  for (const auto& p : players_)
    sum += opt_.rtsp_port ? p->rtsp_bytes : p->conn.bytes_received();
  return sum;
}

asio::awaitable<void> Bench::run() {
  json::object phase;
  auto give_up = [&](const std::string& why) {
    phase["error"] = why;
    exit_code_ = 1;
  };
  asio::co_spawn(pub_io_, publish(), asio::detached);
  pub_thread_ = std::thread([this] { pub_io_.run(); });
  auto deadline = Clock::now() + std::chrono::seconds(static_cast<int64_t>(opt_.setup_timeout));
  while (pub_.state == Publisher::kConnecting && Clock::now() < deadline)
    co_await sleep(0.02);
  if (pub_.state != Publisher::kPublishing) {
    give_up(pub_.state == Publisher::kFailed ? pub_.error : "publish timed out");
  } else {
    co_await sleep(opt_.settle);
    phase["rss_kb_before_players"] = opt_.server_pid ? process_rss_kb(opt_.server_pid) : -1;
    auto ramp_start = Clock::now();
    for (uint32_t i = 0; i < opt_.players && pub_.state == Publisher::kPublishing; ++i) {
      asio::steady_timer t(io_);
      t.expires_at(ramp_start +
                   duration_cast<nanoseconds>(std::chrono::duration<double>(i / opt_.ramp_rate)));
      co_await t.async_wait(kTuple);
      players_.push_back(std::make_unique<Player>(io_.get_executor()));
      asio::co_spawn(io_, play(*players_.back()), asio::detached);
    }
    phase["ramp_s"] = std::chrono::duration<double>(Clock::now() - ramp_start).count();
    deadline = Clock::now() + std::chrono::seconds(static_cast<int64_t>(opt_.setup_timeout));
    auto waiting = [&] {
      return std::any_of(players_.begin(), players_.end(),
                         [](const auto& p) { return !p->ended && p->first_key_ns == 0; });
    };
    while (waiting() && Clock::now() < deadline)
      co_await sleep(0.05);
    co_await sleep(opt_.settle);

    // Measurement window.
    int64_t cpu0 = opt_.server_pid ? process_cpu_us(opt_.server_pid) : -1;
    int64_t self0 = self_cpu_us();
    uint64_t wire0 = wire_bytes();
    auto t0 = Clock::now();
    pub_.open_window = true;  // the publisher starts the window at its next frame
    co_await sleep(opt_.duration);
    pub_.stop = true;
    phase["rss_kb_with_players"] = opt_.server_pid ? process_rss_kb(opt_.server_pid) : -1;
    co_await sleep(opt_.drain);
    int64_t cpu1 = opt_.server_pid ? process_cpu_us(opt_.server_pid) : -1;
    double window_s = std::chrono::duration<double>(Clock::now() - t0).count();
    phase["window_s"] = window_s;
    phase["wire_bytes_window"] = wire_bytes() - wire0;
    phase["server_cpu_us_window"] = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
    phase["loadgen_cpu_pct"] = static_cast<double>(self_cpu_us() - self0) / (window_s * 1e4);
  }
  boost::system::error_code ignored;
  for (auto& p : players_)
    p->conn.socket().close(ignored);
  pub_.stop = true;
  asio::post(pub_io_, [this] {
    boost::system::error_code ignored;
    pub_.conn.socket().close(ignored);
  });
  co_await sleep(0.2);
  pub_io_.stop();
  pub_thread_.join();
  if (pub_.state == Publisher::kFailed && !phase.contains("error")) give_up(pub_.error);
  result_ = report(phase);
  io_.stop();
}

json::object Bench::report(const json::object& phase) {
  json::object o;
  o["target"] = opt_.host + ":" + std::to_string(opt_.port);
  o["players_requested"] = opt_.players;
  o["player_protocol"] = opt_.rtsp_port ? "rtsp" : "rtmp";
  o["video_kbps"] = opt_.video_kbps;
  o["audio_kbps"] = opt_.audio_kbps;
  o["fps"] = opt_.fps;
  for (const auto& [k, v] : phase)
    o[k] = v;

  std::map<std::string, uint64_t> errors;
  std::vector<double> first_key, first_media;
  uint64_t started = 0, got_frame = 0, every_frame = 0, window_msgs = 0, window_bytes = 0,
           out_of_order = 0;
  double min_ratio = opt_.players > 0 ? 1.0 : 0.0;
  for (const auto& p : players_) {
    if (!p->error.empty()) ++errors[p->error];
    started += p->playing;
    if (p->first_key_ns != 0) {
      ++got_frame;
      first_key.push_back(static_cast<double>(p->first_key_ns - p->play_ns) / 1e6);
    }
    if (p->first_media_ns != 0)
      first_media.push_back(static_cast<double>(p->first_media_ns - p->play_ns) / 1e6);
    window_msgs += p->window_msgs;
    window_bytes += p->window_bytes;
    out_of_order += p->out_of_order;
    if (pub_.window_msgs > 0 && p->window_msgs == pub_.window_msgs && p->out_of_order == 0)
      ++every_frame;
    // RTSP players' bytes are RTP's, not comparable with what was published: frames count.
    if (opt_.rtsp_port != 0 && pub_.window_msgs > 0)
      min_ratio = std::min(min_ratio, double(p->window_msgs) / double(pub_.window_msgs));
    else if (pub_.window_bytes > 0)
      min_ratio = std::min(min_ratio, double(p->window_bytes) / double(pub_.window_bytes));
  }
  if (players_.size() < opt_.players) min_ratio = 0;
  json::object errs;
  for (const auto& [k, v] : errors)
    errs[k] = v;

  o["players_play_sent"] = started;
  o["players_with_keyframe"] = got_frame;
  o["player_errors"] = errs;
  o["publisher"] = {{"video_frames", pub_.video_frames},
                    {"audio_frames", pub_.audio_frames},
                    {"media_bytes", pub_.media_bytes},
                    {"error", pub_.error}};
  double expected_bytes = double(pub_.window_bytes) * opt_.players;
  o["delivery"] = {
      {"window_messages_sent", pub_.window_msgs},
      {"window_media_bytes_sent", pub_.window_bytes},
      {"players_every_frame", every_frame},
      {"messages_missing",
       pub_.window_msgs * opt_.players - std::min(window_msgs, pub_.window_msgs * opt_.players)},
      {"out_of_order", out_of_order},
      {"media_bytes_ratio",
       opt_.rtsp_port != 0
           ? (pub_.window_msgs > 0 ? double(window_msgs) / double(pub_.window_msgs * opt_.players)
                                   : 0.0)
           : (expected_bytes > 0 ? double(window_bytes) / expected_bytes : 0.0)},
      {"min_player_ratio", min_ratio}};
  o["first_keyframe_ms"] = summary(first_key);
  o["first_media_ms"] = summary(first_media);
  o["added_delay_ms"] = summary(added_delay_ms_);
  o["keyframe_added_delay_ms"] = summary(keyframe_delay_ms_);
  o["audio_added_delay_ms"] = summary(audio_delay_ms_);
  o["read_delay_ms"] = summary(read_delay_ms_);
  if (opt_.server_pid != 0 && phase.contains("server_cpu_us_window")) {
    double cpu = phase.at("server_cpu_us_window").to_number<double>();
    double mb = phase.at("wire_bytes_window").to_number<double>() / 1e6;
    double before = phase.at("rss_kb_before_players").to_number<double>();
    double with = phase.at("rss_kb_with_players").to_number<double>();
    o["server_cpu_us_per_mb"] = mb > 0 ? cpu / mb : 0.0;
    o["server_cpu_pct"] = cpu / (phase.at("window_s").to_number<double>() * 1e4);
    o["server_rss_kb_per_player"] = got_frame > 0 ? (with - before) / double(got_frame) : 0.0;
  }
  return o;
}

}  // namespace
}  // namespace firstmile::bench

int main(int argc, char** argv) {
  using namespace firstmile::bench;
  Options opt;
  CLI::App app{"RTMP fan-out load generator: one publisher, N players, JSON report"};
  app.add_option("--port", opt.port, "server RTMP port on 127.0.0.1")->required();
  app.add_option("--app", opt.app, "RTMP application");
  app.add_option("--key", opt.key, "stream key");
  app.add_option("--players", opt.players, "number of players");
  app.add_option("--ramp-rate", opt.ramp_rate, "players started per second")
      ->check(CLI::PositiveNumber);
  app.add_option("--duration", opt.duration, "measurement window in seconds")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--settle", opt.settle, "seconds of settling before sampling");
  app.add_option("--drain", opt.drain, "seconds after the publisher stops, for the last frames");
  app.add_option("--setup-timeout", opt.setup_timeout,
                 "seconds allowed for publish and for first frames");
  app.add_option("--video-kbps", opt.video_kbps, "video bitrate")->check(CLI::Range(10, 100000));
  app.add_option("--audio-kbps", opt.audio_kbps, "audio bitrate")->check(CLI::Range(8, 1000));
  app.add_option("--fps", opt.fps, "video frame rate")->check(CLI::Range(1, 240));
  app.add_option("--gop", opt.gop_seconds, "seconds between keyframes");
  app.add_option("--server-pid", opt.server_pid, "server process to sample CPU and RSS from");
  app.add_option("--rtsp-port", opt.rtsp_port,
                 "players play over RTSP from this port (the publisher stays on RTMP)");
  CLI11_PARSE(app, argc, argv);

  asio::io_context io(1);
  Bench bench(io, opt);
  // Hard bound on the whole run, whatever the server does.
  double limit = 2 * opt.setup_timeout + opt.players / opt.ramp_rate + opt.duration +
                 2 * opt.settle + opt.drain + 30;
  asio::steady_timer watchdog(io, std::chrono::seconds(static_cast<int64_t>(limit)));
  watchdog.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    std::fprintf(stderr, "rtmp_load: run exceeded %.0f s, aborting\n", limit);
    std::_Exit(3);
  });
  asio::co_spawn(io, bench.run(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  std::printf("%s\n", boost::json::serialize(bench.result()).c_str());
  return bench.exit_code();
}
