#pragma once
// The client side of one RTMP connection: the digest handshake (what FFmpeg and Flash Player
// send), AMF0 commands, and the protocol control a well-behaved client owes the server:
// Acknowledgements at the window it announced (RTMP specification 5.4.3) and PingResponse to
// PingRequest (7.1.7). Used by the RTMP relay (pulling from an origin) and the load generator.
// Bounded by the ChunkReader's limits; time is bounded by the caller (a timer beside it).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "format/amf0.hpp"
#include "protocol/rtmp/wire/chunk_reader.hpp"
#include "protocol/rtmp/wire/chunk_writer.hpp"
#include "protocol/rtmp/wire/message.hpp"

namespace firstmile::rtmp {

// Chunk streams as FFmpeg's rtmpproto uses them.
inline constexpr uint32_t kClientCommandCsid = 3;
inline constexpr uint32_t kClientStreamCsid = 8;  // play/publish and metadata
inline constexpr uint32_t kClientAudioCsid = 4;
inline constexpr uint32_t kClientVideoCsid = 6;

class ClientConnection {
 public:
  explicit ClientConnection(boost::asio::any_io_executor ex) : socket_(ex) {}

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  uint64_t bytes_received() const { return reader_.bytes_received(); }

  boost::asio::awaitable<Status> connect(const boost::asio::ip::tcp::endpoint& ep);
  boost::asio::awaitable<Status> handshake();

  // Queues a message; flush() sends everything queued in one write.
  void queue(uint8_t type, uint32_t csid, uint32_t stream_id, uint32_t timestamp, Bytes payload);
  // The writer applies it to the messages queued after it, as the peer will.
  void set_chunk_size(uint32_t size);
  void command(uint32_t csid, uint32_t stream_id, const std::vector<format::amf0::Value>& values);
  bool has_output() const { return !out_.empty(); }

  // Safe to call while another coroutine queues more: the queued bytes are taken first.
  boost::asio::awaitable<Status> flush();

  // Parses received bytes; protocol control is answered (queued) here, everything else is
  // appended to `out`.
  Status feed(ByteSpan data, std::vector<Message>& out);

  // Reads until the answer to transaction `txn` (_result or _error), or with txn < 0 until an
  // onStatus; returns the command's values. Other messages go to `others` when given (at most
  // `max_others`, then an error), else are dropped; control is answered.
  boost::asio::awaitable<Result<std::vector<format::amf0::Value>>> wait_command(
      double txn, std::vector<Message>* others = nullptr, size_t max_others = 1024);

 private:
  boost::asio::ip::tcp::socket socket_;
  ChunkReader reader_;
  ChunkWriter writer_;
  Bytes out_;
  uint32_t ack_window_ = 0;
  uint64_t last_ack_ = 0;
};

// The "code" of an onStatus command, or of an _error's info object.
std::string status_code(const std::vector<format::amf0::Value>& v);

}  // namespace firstmile::rtmp
