#pragma once
// An RTMP relay (pull.sources with an rtmp:// URL): the server plays a stream from an origin
// (nginx-rtmp, SRS, another firstmile, a CDN's RTMP edge) and publishes it here, as
// nginx-rtmp's `pull` does. One attempt (run_once) connects, shakes hands, sends connect
// (app and tcUrl from the URL: rtmp://host[:port]/app[/instance]/stream[?query], the app being
// everything before the last path segment, as FFmpeg reads it), createStream and play, waits
// for NetStream.Play.Start, then publishes through the one publish path: the stream is
// acquired, the socket moves to the stream's executor, and the audio and video messages go
// through FlvIngest as an encoder's do (rtmp::MediaFeed). The attempt ends when the origin
// closes, says the stream ended (NetStream.Play.UnpublishNotify, Stop), goes silent for
// pull.read_timeout, or the supervisor stops it; the supervisor then retries with back-off,
// and the outputs mark the discontinuity.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "core/result.hpp"
#include "protocol/pull/source_base.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::rtmp {

class PullSource : public pull::SourceBase, public std::enable_shared_from_this<PullSource> {
 public:
  PullSource(ServerContext& ctx, pull::SourceOptions options);
  ~PullSource() override;

  boost::asio::awaitable<Status> run_once() override;

 private:
  class Attempt;

  ServerContext& ctx_;
};

}  // namespace firstmile::rtmp
