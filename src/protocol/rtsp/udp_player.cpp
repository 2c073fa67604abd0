#include "protocol/rtsp/udp_player.hpp"

namespace firstmile::rtsp {

void UdpPlayer::push(const output::Packet& packet) {
  if (closed_) return;
  if (need_keyframe_) {
    if (!packet.keyframe) return;
    need_keyframe_ = false;
  }
  ByteSpan rest = packet.data.span();
  while (rest.size() >= 4 && rest[0] == '$') {
    const uint8_t channel = rest[1];
    const size_t n = size_t{rest[2]} << 8 | rest[3];
    if (rest.size() < 4 + n) break;
    const ByteSpan datagram = rest.subspan(4, n);
    rest = rest.subspan(4 + n);
    const size_t track = channel / 2;
    if (channel % 2 != 0 || track >= targets_.size() || !targets_[track]) continue;
    boost::system::error_code ec;
    const auto& t = *targets_[track];
    const size_t sent =
        t.socket->send_to(asio::buffer(datagram.data(), datagram.size()), t.to, 0, ec);
    if (ec) {
      // A full send buffer (non-blocking), or an ICMP error for an earlier packet: this one is
      // lost, as on the network.
      ++stats_.packets_dropped;
      continue;
    }
    ++stats_.packets_sent;
    stats_.bytes_sent += sent;
  }
}

void UdpPlayer::end_of_stream() {
  close("stream ended");
}

void UdpPlayer::close(std::string reason) {
  if (closed_) return;
  closed_ = true;
  if (on_end) on_end(reason);
}

}  // namespace firstmile::rtsp
