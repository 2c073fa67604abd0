#pragma once
// SRT ingest and playback: a libsrt listener on UDP (srt.listen). libsrt runs its own threads;
// one more thread here waits on an SRT epoll for new callers and their data, notices callers
// that went away and samples every connection's link statistics once a second. It never
// touches a stream: each publisher's datagrams are handed to its stream's worker, where the
// MPEG-TS demuxer turns them into frames for the hub; players (m=request) are fed from their
// stream's worker by the "ts" fan-out (srt_player.hpp).
//
// Admission happens in two places. libsrt's listen callback (during the handshake) parses the
// stream id, sets the app's passphrase and refuses what it can decide at once (bad id,
// unknown static key or play token, no such stream to play) with an SRT reject reason the
// caller sees. The
// control plane's full decision (the on_publish webhook may take seconds) runs after the
// handshake, off this thread; a refusal then closes the connection.
#include <srt/access_control.h>
#include <srt/srt.h>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/log_throttle.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/server_context.hpp"
#include "protocol/srt/srt_player.hpp"
#include "protocol/srt/wire/stream_id.hpp"

namespace firstmile::srt {

class SrtServer : public Endpoint {
 public:
  explicit SrtServer(ServerContext& ctx);
  ~SrtServer();
  SrtServer(const SrtServer&) = delete;
  SrtServer& operator=(const SrtServer&) = delete;

  // Binds srt.listen (throws std::runtime_error on failure) and starts the thread.
  void start() override;
  // Closes the listener and every connection; joins the thread.
  void stop() override;

 private:
  struct Publisher;

  static int listen_hook(void* self, SRTSOCKET ns, int hsversion, const sockaddr* peer,
                         const char* streamid);
  int admit(SRTSOCKET ns, const sockaddr* peer, const char* streamid);
  void run();
  // One epoll event; an exception out of it ends that connection only (counted as a fault).
  void handle_event(const SRT_EPOLL_EVENT& event);
  void accept_callers();
  void read(const std::shared_ptr<Publisher>& p);
  void finish(std::shared_ptr<Publisher> p, const std::string& reason);
  void authorize(std::shared_ptr<Publisher> p);
  // Players (srt_player.hpp): authorized off this thread, then attached on their stream's worker.
  void finish_player(std::shared_ptr<SrtPlayer> p, const std::string& reason);
  boost::asio::awaitable<void> authorize_player(std::shared_ptr<SrtPlayer> p);
  void sweep();
  void sample_links();
  boost::asio::awaitable<void> authorize_task(std::shared_ptr<Publisher> p);
  // On the stream's worker, once the control plane allowed the publish.
  static void attach(const std::shared_ptr<Publisher>& p, const std::shared_ptr<media::Stream>& s,
                     const Logger& log);

  ServerContext& ctx_;
  SRTSOCKET listener_ = SRT_INVALID_SOCK;
  int epoll_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  // SRT thread only.
  std::unordered_map<SRTSOCKET, std::shared_ptr<Publisher>> publishers_;
  std::unordered_map<SRTSOCKET, std::shared_ptr<SrtPlayer>> players_;
  std::chrono::steady_clock::time_point last_sample_{};
  LogThrottle refusals_log_;  // refusals are logged within a budget (libsrt's and the SRT thread)
};

}  // namespace firstmile::srt
