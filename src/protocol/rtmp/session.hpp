#pragma once
// One RTMP connection: handshake, chunk stream, commands, then either publishing (media in,
// frames to the hub) or playing (a viewer of the stream's RTMP fan-out). Runs on the worker
// that accepted it until publish/play names a stream; then it moves to the stream's worker.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "control/admission.hpp"
#include "core/ring_queue.hpp"
#include "format/amf0.hpp"
#include "media/stream.hpp"
#include "output/fanout_output.hpp"
#include "output/viewer.hpp"
#include "output/viewer_attachment.hpp"
#include "protocol/publish/publication.hpp"
#include "protocol/rtmp/media_feed.hpp"
#include "protocol/rtmp/wire/chunk_reader.hpp"
#include "protocol/rtmp/wire/chunk_writer.hpp"
#include "protocol/rtmp/wire/command.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::rtmp {

namespace asio = boost::asio;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerContext& ctx, asio::ip::tcp::socket socket, ConnectionLimiter::Slot slot);
  ~Session();

  // Runs the connection to its end (on the accepting worker, then on the stream's).
  asio::awaitable<void> start();

 private:
  enum class Mode { Idle, Publishing, Playing };
  // What to finish on the stream's worker after moving there.
  struct Attach {
    bool publish = false;
    std::shared_ptr<media::Stream> stream;
    double transaction = 0;
  };

  asio::awaitable<Status> handshake();
  // Reads and handles messages until the connection ends or must move to another worker.
  asio::awaitable<void> serve();
  // A publisher, on the stream's worker. `self` keeps the session alive: the coroutine may
  // start after its spawner has returned.
  asio::awaitable<void> continue_on_stream(std::shared_ptr<Session> self, Attach attach);
  // A player, on the stream's worker: attaches the viewer, spawns its writer, then reads with
  // read_as_player() until the connection ends.
  void start_playing(const std::shared_ptr<Session>& self, const Attach& attach);
  void read_as_player(std::shared_ptr<Session> self);
  Status on_player_bytes(ByteSpan bytes);
  void end_on_stream();
  asio::awaitable<void> watchdog();
  // A player's writer, spawned beside read_as_player(): `self` and `viewer` keep both alive
  // until it returns. Cancels the socket when it ends first (slow viewer, write error), which
  // ends the read wait and so the session.
  asio::awaitable<void> write_media(std::shared_ptr<Session> self,
                                    std::shared_ptr<output::Viewer> viewer);
  asio::awaitable<Status> read_messages();
  // Feeds bytes just read into the chunk reader (messages to pending_) and acknowledges.
  Status take_bytes(ByteSpan bytes);
  Status handle(const Message& m);
  Status on_command(const Message& m, ByteSpan body);
  Status on_data(const Message& m, ByteSpan body);
  // Audio, video and aggregate messages of a publisher.
  Status on_media(const Message& m);
  Status on_connect(double txn, ConnectRequest request);
  Status on_publish(double txn, const std::vector<format::amf0::Value>& args);
  Status on_play(double txn, const std::vector<format::amf0::Value>& args);
  // Asks the control plane about the publish/play request on_publish/on_play left in
  // auth_request_, then finds the stream (the connection waits meanwhile; nothing else reads).
  asio::awaitable<Status> authorize();
  Status complete_publish(const Attach& a);
  Status complete_play(const Attach& a);
  void stop_media(const std::string& reason);

  // Outbound: messages are serialized in order into out_ and flushed by flush(); while
  // playing they go through the viewer's queue instead, behind the media already queued.
  void send(uint8_t type, uint32_t csid, uint32_t stream_id, Bytes payload);
  void send_command(uint32_t stream_id, std::initializer_list<format::amf0::Value> values);
  void send_status(const std::string& level, const std::string& code,
                   const std::string& description);
  asio::awaitable<Status> flush();
  // Playing: what send() serialized goes to the viewer's queue, behind the media queued.
  void push_control();
  void refuse(const std::string& code, const std::string& reason);
  // Arms stream.play_wait_timeout: if nobody has claimed the name by then, StreamNotFound and
  // the end.
  void wait_for_publisher();
  // A publisher may send what rtmp.max_message_size allows (the command phase allows less).
  void lift_message_limits();

  std::string label() const;

  ServerContext& ctx_;
  asio::ip::tcp::socket socket_;
  ConnectionLimiter::Slot slot_;
  std::string peer_;
  ChunkReader reader_;
  ChunkWriter writer_;
  Bytes read_buffer_;
  RingQueue<Message> pending_;  // empty for nearly every session: owns no memory then
  Bytes out_;
  uint64_t last_ack_ = 0;
  uint32_t peer_window_ = 0;

  std::string app_;
  std::string tc_url_;
  std::string query_;
  std::string stream_name_;
  bool connected_ = false;
  Mode mode_ = Mode::Idle;
  std::optional<Attach> attach_;  // set by publish/play when the stream lives on another worker
  // publish/play waiting for a decision (a pointer: 160 bytes that a playing session never uses)
  std::unique_ptr<control::AccessRequest> auth_request_;
  bool auth_publish_ = false;
  bool renamed_ = false;  // stream_name_ is the public name the control plane gave
  double auth_txn_ = 0;
  std::string end_reason_;

  std::shared_ptr<media::Stream> stream_;
  // Publishers only (a player would carry them unused).
  std::unique_ptr<MediaFeed> media_;  // publishing: the publication and its FlvIngest
  std::shared_ptr<output::Viewer> viewer_;
  output::ViewerAttachment viewing_;
  bool slow_ = false;  // closed by the fan-out for falling behind

  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  // Only for a player of a name nobody has claimed to publish (stream.play_wait_timeout).
  std::unique_ptr<boost::asio::steady_timer> wait_timer_;
  uint64_t media_errors_ = 0;
};

}  // namespace firstmile::rtmp
