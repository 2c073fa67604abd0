#pragma once
// An SRT relay (pull.sources with an srt:// URL): the server calls an SRT listener (another
// server's SRT output, an encoder or gateway in listener mode) and publishes the MPEG-TS it
// receives, as `srt-live-transmit srt://origin:port udp://...` would without the hop.
// srt://host:port?streamid=...&passphrase=...&latency=MS&pbkeylen=N: the stream id as the
// origin wants it (percent-encoded in the URL: %23!::r=live/x,m=request), the passphrase for
// encryption (never logged or shown), the receiver latency (else srt.latency).
//
// libsrt's calls block, so each attempt has a thread of its own: it connects (10 s), waits for
// the publication, then receives and posts the TS to the stream's executor (TsIngest: the same
// demuxer and bounded queue as an SRT publisher's). The attempt's coroutine runs on the
// stream's executor meanwhile: it watches for silence (pull.read_timeout), for viewers when on
// demand, and for the supervisor's stop, and closes the socket to end the thread. At most
// kMaxPullSources threads.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"
#include "protocol/pull/source_base.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::srt {

class PullSource : public pull::SourceBase, public std::enable_shared_from_this<PullSource> {
 public:
  struct Options : pull::SourceOptions {
    Duration latency{120};  // when the URL names none
  };
  PullSource(ServerContext& ctx, Options options);
  ~PullSource() override;

  boost::asio::awaitable<Status> run_once() override;

  // One connection (srt_pull_source.cpp).
  struct Attempt;

 private:
  // Until connected, on the supervisor's worker; then the publication on the stream's executor.
  boost::asio::awaitable<Status> serve(std::shared_ptr<Attempt> a, std::string peer);
  boost::asio::awaitable<Status> run_on_stream(std::shared_ptr<Attempt> a,
                                               std::shared_ptr<media::Stream> stream,
                                               std::string peer);

  ServerContext& ctx_;
  const Duration latency_;
};

}  // namespace firstmile::srt
