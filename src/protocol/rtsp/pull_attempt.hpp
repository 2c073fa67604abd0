#pragma once
// rtsp::PullSource's attempt (one connection to the camera), shared by pull_attempt.cpp (the
// requests up to PLAY, on the supervisor's worker) and pull_attempt_media.cpp (the publication
// and the media, on the stream's executor). Not an interface for other code.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/awaitable.hpp"
#include "protocol/rtsp/pull_source.hpp"
#include "protocol/rtsp/rtp_ingest.hpp"
#include "protocol/rtsp/wire/auth.hpp"
#include "protocol/rtsp/wire/message.hpp"

namespace firstmile::rtsp {

namespace pull_detail {
inline constexpr auto kRequestTimeout = std::chrono::seconds(10);
// transport auto: no packet over UDP this long after PLAY gives way to TCP.
inline constexpr auto kUdpGiveUp = std::chrono::seconds(3);
inline constexpr size_t kReadBuffer = 64 * 1024;
}  // namespace pull_detail

// One attempt's connection: the requests on the worker, then the media on the stream's
// executor.
class PullSource::Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(PullSource& owner, SourceUrl url, bool use_udp, asio::any_io_executor executor)
      : owner_(owner),
        ctx_(owner.ctx_),
        url_(std::move(url)),
        use_udp_(use_udp),
        socket_(executor) {
    read_buffer_.resize(pull_detail::kReadBuffer);
  }

  asio::awaitable<Status> run();

  bool udp_gave_up() const { return udp_gave_up_; }
  bool went_idle() const { return idle_; }

 private:
  struct Track {
    int channel = -1;  // TCP: the RTP channel (RTCP is the next)
    std::unique_ptr<UdpPortPool::Pair> udp;
    uint16_t server_rtcp_port = 0;
  };

  // A request with CSeq, User-Agent, Session and (after a challenge) Authorization.
  Message new_request(const std::string& method, const std::string& uri);

  // Requests (pull_attempt.cpp): connect, OPTIONS, DESCRIBE, SETUP, PLAY.
  asio::awaitable<Status> connect();
  // Sends `method` on `uri` and returns the answer; answers a 401 once with the credentials.
  asio::awaitable<Result<Message>> request(
      std::string method, std::string uri,
      std::vector<std::pair<std::string, std::string>> headers);
  asio::awaitable<Result<Message>> exchange(const Message& m);
  asio::awaitable<Result<std::optional<Message>>> read_until_answer(uint32_t cseq);
  asio::awaitable<Status> describe_and_setup();
  asio::awaitable<Status> setup(size_t index, const std::string& control_url);
  // Media (pull_attempt_media.cpp): the publication on the stream's executor until the end.
  asio::awaitable<Status> on_stream(std::shared_ptr<Attempt> self);
  asio::awaitable<void> read_media();
  asio::awaitable<void> watchdog();
  asio::awaitable<void> receive_udp(std::shared_ptr<Attempt> self, size_t track, bool rtcp);
  asio::awaitable<void> send(std::string bytes);
  void on_frame(uint8_t channel, ByteSpan data);
  void close();

  PullSource& owner_;
  ServerContext& ctx_;
  SourceUrl url_;
  bool use_udp_;
  tcp::socket socket_;
  asio::ip::address peer_address_;
  MessageReader reader_;
  Bytes read_buffer_;
  uint32_t cseq_ = 0;
  std::string session_;
  std::chrono::seconds session_timeout_{60};
  bool get_parameter_ = false;  // the camera lists GET_PARAMETER (the keep-alive)
  std::optional<Challenge> challenge_;
  uint32_t nonce_count_ = 0;
  std::string base_;
  RtpIngest ingest_;
  std::vector<Track> tracks_;        // parallel to ingest_'s
  std::array<int, 256> channels_{};  // channel -> track * 2 (+1 for RTCP), -1 for none
  std::shared_ptr<media::Stream> stream_;
  std::chrono::steady_clock::time_point last_media_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point playing_since_ = last_media_;
  std::chrono::steady_clock::time_point last_viewer_check_ = last_media_;
  bool any_media_ = false;
  bool writing_ = false;
  std::string out_;
  std::string end_reason_;
  bool udp_gave_up_ = false;
  bool idle_ = false;  // on demand: ended for want of viewers
  uint64_t stray_ = 0;
};

}  // namespace firstmile::rtsp
