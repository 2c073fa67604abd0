#include "protocol/rtmp/client_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "protocol/rtmp/wire/handshake.hpp"

namespace firstmile::rtmp {

namespace asio = boost::asio;
namespace amf0 = format::amf0;
using asio::ip::tcp;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

asio::awaitable<Status> ClientConnection::connect(const tcp::endpoint& ep) {
  auto [ec] = co_await socket_.async_connect(ep, kTuple);
  if (ec) co_return fail("connect: ", ec.message());
  socket_.set_option(tcp::no_delay(true), ec);
  co_return Status{};
}

asio::awaitable<Status> ClientConnection::handshake() {
  Bytes c0c1 = client_c0c1(true);
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(c0c1), kTuple);
  if (ec) co_return fail("handshake write: ", ec.message());
  Bytes s(1 + 2 * kHandshakeSize);
  auto [rec, rn] = co_await asio::async_read(socket_, asio::buffer(s), kTuple);
  if (rec) co_return fail("handshake read: ", rec.message());
  if (auto st = verify_server_response(s, c0c1); !st) co_return st.error();
  auto c2 = client_c2(s, c0c1);
  if (!c2) co_return c2.error();
  auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(*c2), kTuple);
  if (wec) co_return fail("handshake write: ", wec.message());
  co_return Status{};
}

void ClientConnection::queue(uint8_t type, uint32_t csid, uint32_t stream_id, uint32_t timestamp,
                             Bytes payload) {
  Message m;
  m.type = type;
  m.csid = csid;
  m.stream_id = stream_id;
  m.timestamp = timestamp;
  m.payload = Buffer::adopt(std::move(payload));
  writer_.write(out_, m);
}

void ClientConnection::set_chunk_size(uint32_t size) {
  queue(msg_type::kSetChunkSize, kControlCsid, 0, 0, encode_set_chunk_size(size));
}

void ClientConnection::command(uint32_t csid, uint32_t stream_id,
                               const std::vector<amf0::Value>& values) {
  queue(msg_type::kCommandAmf0, csid, stream_id, 0, amf0::encode_all(values));
}

asio::awaitable<Status> ClientConnection::flush() {
  if (out_.empty()) co_return Status{};
  Bytes data = std::move(out_);
  out_.clear();
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(data), kTuple);
  if (ec) co_return fail("write: ", ec.message());
  co_return Status{};
}

Status ClientConnection::feed(ByteSpan data, std::vector<Message>& out) {
  const size_t first = out.size();
  auto fed = reader_.feed(data, out);
  if (!fed) return fed.error();
  for (size_t i = first; i < out.size(); ++i) {
    const auto& m = out[i];
    if (m.type == msg_type::kWindowAckSize) {
      if (auto w = parse_window_ack_size(m.payload.span())) ack_window_ = *w;
    } else if (m.type == msg_type::kUserControl) {
      auto uc = parse_user_control(m.payload.span());
      if (uc && uc->event == UserControlEvent::kPingRequest) {
        queue(msg_type::kUserControl, kControlCsid, 0, 0,
              encode_user_control(UserControlEvent::kPingResponse, uc->value));
      }
    }
  }
  if (ack_window_ > 0 && reader_.bytes_received() - last_ack_ >= ack_window_) {
    last_ack_ = reader_.bytes_received();
    queue(msg_type::kAcknowledgement, kControlCsid, 0, 0,
          encode_acknowledgement(static_cast<uint32_t>(last_ack_)));
  }
  return Status{};
}

asio::awaitable<Result<std::vector<amf0::Value>>> ClientConnection::wait_command(
    double txn, std::vector<Message>* others, size_t max_others) {
  Bytes buf(16 * 1024);
  std::vector<Message> msgs;
  for (;;) {
    for (size_t i = 0; i < msgs.size(); ++i) {
      auto& m = msgs[i];
      if (m.type == msg_type::kCommandAmf0) {
        auto v = amf0::decode_all(m.payload.span());
        if (v && !v->empty()) {
          const auto name = (*v)[0].as_string();
          const bool answer = txn >= 0 ? (name == "_result" || name == "_error") && v->size() > 1 &&
                                             (*v)[1].as_number() == txn
                                       : name == "onStatus";
          if (answer) {
            // What came after the answer in the same read is kept too.
            if (others) {
              for (size_t j = i + 1; j < msgs.size(); ++j)
                others->push_back(std::move(msgs[j]));
            }
            co_return std::move(*v);
          }
        }
      }
      if (others) {
        if (others->size() >= max_others) co_return fail("too many messages before the answer");
        others->push_back(std::move(m));
      }
    }
    msgs.clear();
    if (auto st = co_await flush(); !st) co_return st.error();
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), kTuple);
    if (ec) co_return fail("read: ", ec.message());
    if (auto st = feed(ByteSpan(buf.data(), n), msgs); !st) co_return st.error();
  }
}

std::string status_code(const std::vector<amf0::Value>& v) {
  return v.size() > 3 ? std::string(v[3].get_string("code")) : std::string();
}

}  // namespace firstmile::rtmp
