#pragma once
// One RTSP connection: a player (DESCRIBE, SETUP, PLAY with RTP interleaved; session_play.cpp)
// or a publisher (RFC 2326 10: OPTIONS, ANNOUNCE with the
// SDP, SETUP of each media with RTP interleaved in the connection or over UDP, RECORD, TEARDOWN,
// and GET_PARAMETER / SET_PARAMETER as keep-alives). Until RECORD the session runs on the worker
// that accepted it; RECORD goes through the one publish path (publish::admit), then the socket
// moves to the stream's executor (as an RTMP publisher's does) and the session goes on there,
// so the RTP it reads becomes frames pushed to the stream with no queue between. Requests are
// in session.cpp, recording (RTP in, tracks, the publication) in session_record.cpp.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/net.hpp"
#include "output/viewer.hpp"
#include "output/viewer_attachment.hpp"
#include "protocol/rtsp/rtp_ingest.hpp"
#include "protocol/rtsp/udp_player.hpp"
#include "protocol/rtsp/udp_port_pool.hpp"
#include "protocol/rtsp/wire/message.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::rtsp {

// A random session identifier (RFC 2326 12.37): 16 hex digits.
std::string new_session_id();

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerContext& ctx, tcp::socket socket, ConnectionLimiter::Slot slot,
          std::shared_ptr<UdpPortPool> udp_ports);
  ~Session();
  // On the accepting worker: serves the connection until it ends.
  asio::awaitable<void> start();

 private:
  enum class Phase { Init, Announced, Recording, Described, Playing };
  // How a track of an ANNOUNCEd session is carried; its media side is in ingest_.
  struct Track {
    std::string control;  // the media section's a=control
    // Set up over UDP: the server's port pair.
    std::unique_ptr<UdpPortPool::Pair> udp;
    // Where our receiver reports go: the interleaved RTCP channel, or the client's RTCP port.
    int rtcp_channel = -1;
    uint16_t client_rtcp_port = 0;
  };
  // What an interleaved channel carries.
  struct Channel {
    int track = -1;  // -1: nothing set up on it
    bool rtcp = false;
  };

  asio::awaitable<void> serve();
  asio::awaitable<void> watchdog();
  asio::awaitable<void> continue_on_stream(std::shared_ptr<Session> self);
  void end_on_stream();

  // Handles one request and writes its answer; RECORD's answer waits for the attach.
  asio::awaitable<void> handle(const Message& request);
  using Headers = std::vector<std::pair<std::string, std::string>>;
  // Queues an answer; flush() writes what is queued.
  void reply(const Message& request, int status, std::string_view reason, Headers headers = {},
             std::string body = {});
  asio::awaitable<void> flush();
  Message answer(const Message& request, int status, std::string_view reason) const;
  void on_announce(const Message& request);
  void on_setup(const Message& request);
  asio::awaitable<void> on_record(const Message& request);
  // Playing (session_play.cpp): DESCRIBE on the worker, the rest on the stream's executor.
  asio::awaitable<void> on_describe(const Message& request);
  void answer_describe(const Message& request);
  void on_setup_play(const Message& request);
  void on_play(const Message& request);
  void play_udp(const Message& request);
  // The one viewer path for either kind of player: the stream's "rtsp" fan-out and its clients.
  void attach_player(std::shared_ptr<output::Subscriber> player,
                     std::function<media::ViewerCounters()> counters);
  asio::awaitable<void> write_media(std::shared_ptr<Session> self);
  void end_play();
  Status attach_publication();
  // Authentication (session_auth.cpp): what the request's Authorization header proves, if
  // anything (`stale`: a Digest answer to a nonce this connection no longer uses); a 401 with
  // the challenges this request can be answered with.
  std::optional<control::Credentials> credentials_of(const Message& request, bool& stale);
  void challenge(const Message& request, bool publish, const std::string& app, bool stale,
                 std::string_view reason);

  // Recording: RTP and RTCP from the interleaved channels or the tracks' UDP ports.
  void on_frame(uint8_t channel, ByteSpan data);
  // Queues or sends a receiver report for each track that has received media.
  void send_reports();
  asio::awaitable<void> receive_udp(std::shared_ptr<Session> self, size_t track, bool rtcp);
  bool move_udp_sockets(const asio::any_io_executor& executor);
  std::string label() const;

  ServerContext& ctx_;
  std::shared_ptr<UdpPortPool> udp_ports_;
  tcp::socket socket_;
  ConnectionLimiter::Slot slot_;
  const std::string peer_;
  asio::ip::address peer_address_;
  MessageReader reader_;
  Bytes read_buffer_;
  std::string out_;  // answers not yet written
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_activity_ = started_;

  Phase phase_ = Phase::Init;
  std::string session_id_;
  std::string app_;
  std::string stream_name_;
  std::string query_;
  std::string nonce_;  // the Digest nonce this connection was challenged with
  // 401 answers so far: a client that keeps failing is refused (403) after kMaxChallenges.
  static constexpr int kMaxChallenges = 3;
  int challenges_ = 0;
  bool renamed_ = false;
  std::vector<Track> tracks_;
  std::array<Channel, 256> channels_{};
  // RECORD admitted: the stream to attach to, and the request to answer once attached.
  std::shared_ptr<media::Stream> stream_;
  std::optional<Message> pending_record_;
  std::optional<Message> pending_describe_;  // DESCRIBE allowed: answered on the stream's executor
  std::array<bool, 2> play_tracks_{};        // set up for playing: video, audio
  // Playing over UDP: the server's port pair and the client's RTP port of each track, and the
  // subscriber that sends to them (a TCP player has viewer_ instead).
  std::optional<bool> play_over_udp_;
  std::array<std::unique_ptr<UdpPortPool::Pair>, 2> play_udp_;
  std::array<uint16_t, 2> play_client_ports_{};
  std::shared_ptr<UdpPlayer> udp_player_;
  std::shared_ptr<output::Viewer> viewer_;
  output::ViewerAttachment viewing_;
  RtpIngest ingest_;      // recording: the tracks' receivers and the publication
  bool writing_ = false;  // a flush() is writing: the next one leaves out_ to it
  // A TCP player's TEARDOWN: its viewer writes what is queued (the answer last), then closes.
  bool closing_after_writes_ = false;
  uint64_t stray_frames_ = 0;  // on a channel nothing was set up on, or not RTP
  std::string end_reason_;
};

}  // namespace firstmile::rtsp
