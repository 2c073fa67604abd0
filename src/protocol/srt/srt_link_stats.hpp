#pragma once
// SRT link statistics: libsrt's per-connection counters (srt_bistats) turned into the hub's
// protocol-neutral media::LinkStats, and a holder the SRT thread fills about once a second
// while stream executors and the API read it.
#include <srt/srt.h>

#include <mutex>
#include <optional>

#include "media/stream.hpp"

namespace firstmile::srt {

enum class SrtRole { Publisher, Player };

// A publisher only receives media: its losses, retransmissions and drops are the receiver's.
// A player only sends: the sender's.
media::LinkStats to_link_stats(const SRT_TRACEBSTATS& perf, SrtRole role);

class SharedLinkStats {
 public:
  // SRT thread: samples the socket (libsrt counters since the connection began; rates and RTT
  // as libsrt currently estimates them). False when libsrt has nothing for the socket.
  bool sample(SRTSOCKET sock, SrtRole role);
  // Any thread: the last sample, if there was one.
  std::optional<media::LinkStats> get() const;

 private:
  mutable std::mutex mutex_;
  std::optional<media::LinkStats> value_;
};

}  // namespace firstmile::srt
