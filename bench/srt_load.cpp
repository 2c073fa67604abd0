// SRT play load generator: N SRT callers reading one stream (stream id "read:APP/STREAM") from
// one process, with one epoll thread. Reports what each player received and, with --server-pid,
// the server's CPU time per delivered megabyte over the measurement window. JSON on stdout.
#include <arpa/inet.h>
#include <srt/srt.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "load/report.hpp"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8890;
  std::string streamid = "read:live/bench";
  int players = 100;
  double duration = 20;
  double warmup = 3;
  int latency_ms = 200;
  int server_pid = 0;
};

struct Player {
  SRTSOCKET sock = SRT_INVALID_SOCK;
  uint64_t bytes = 0;
  uint64_t window_bytes = 0;
  bool broken = false;
};

SRTSOCKET connect_one(const Options& o, const sockaddr_in& addr) {
  SRTSOCKET s = srt_create_socket();
  srt_setsockflag(s, SRTO_STREAMID, o.streamid.data(), static_cast<int>(o.streamid.size()));
  srt_setsockflag(s, SRTO_LATENCY, &o.latency_ms, sizeof o.latency_ms);
  int timeout_ms = 5000;
  srt_setsockflag(s, SRTO_CONNTIMEO, &timeout_ms, sizeof timeout_ms);
  if (srt_connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == SRT_ERROR) {
    std::cerr << "srt_load: connect: " << srt_getlasterror_str() << "\n";
    srt_close(s);
    return SRT_INVALID_SOCK;
  }
  bool no = false;
  srt_setsockflag(s, SRTO_RCVSYN, &no, sizeof no);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"SRT play load generator"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port);
  app.add_option("--streamid", o.streamid);
  app.add_option("--players", o.players);
  app.add_option("--duration", o.duration, "measurement window, seconds");
  app.add_option("--warmup", o.warmup, "seconds after the last connect before measuring");
  app.add_option("--latency", o.latency_ms, "SRTO_LATENCY, ms");
  app.add_option("--server-pid", o.server_pid, "server process to sample CPU and RSS from");
  CLI11_PARSE(app, argc, argv);

  srt_startup();
  srt_setloglevel(3);  // errors only
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);

  int64_t rss_before = o.server_pid ? firstmile::bench::process_rss_kb(o.server_pid) : -1;
  int epoll = srt_epoll_create();
  std::unordered_map<SRTSOCKET, Player> players;
  for (int i = 0; i < o.players; ++i) {
    SRTSOCKET s = connect_one(o, addr);
    if (s == SRT_INVALID_SOCK) continue;
    int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srt_epoll_add_usock(epoll, s, &events);
    players[s].sock = s;
  }

  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto window_start =
      start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.warmup));
  auto end = window_start +
             std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.duration));
  int64_t cpu0 = -1;
  bool in_window = false;
  std::vector<char> buf(1500);
  SRT_EPOLL_EVENT events[256];
  while (clock::now() < end) {
    if (!in_window && clock::now() >= window_start) {
      in_window = true;
      cpu0 = o.server_pid ? firstmile::bench::process_cpu_us(o.server_pid) : -1;
    }
    int n = srt_epoll_uwait(epoll, events, 256, 50);
    for (int i = 0; i < n; ++i) {
      auto it = players.find(events[i].fd);
      if (it == players.end()) continue;
      Player& p = it->second;
      for (;;) {
        int r = srt_recvmsg(p.sock, buf.data(), static_cast<int>(buf.size()));
        if (r == SRT_ERROR) {
          if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
            p.broken = true;
            srt_epoll_remove_usock(epoll, p.sock);
          }
          break;
        }
        p.bytes += static_cast<uint64_t>(r);
        if (in_window) p.window_bytes += static_cast<uint64_t>(r);
      }
    }
  }
  int64_t cpu1 = o.server_pid ? firstmile::bench::process_cpu_us(o.server_pid) : -1;
  int64_t rss_after = o.server_pid ? firstmile::bench::process_rss_kb(o.server_pid) : -1;

  uint64_t window_total = 0, min_bytes = UINT64_MAX;
  int broken = 0;
  for (auto& [s, p] : players) {
    window_total += p.window_bytes;
    min_bytes = std::min(min_bytes, p.bytes);
    broken += p.broken ? 1 : 0;
    srt_close(s);
  }
  boost::json::object out;
  out["players_requested"] = o.players;
  out["players_connected"] = players.size();
  out["players_broken"] = broken;
  out["window_s"] = o.duration;
  out["delivered_mb_window"] = static_cast<double>(window_total) / 1e6;
  out["min_player_bytes"] = players.empty() ? 0 : min_bytes;
  out["delivered_mbit_s"] = static_cast<double>(window_total) * 8 / 1e6 / o.duration;
  if (o.server_pid && cpu0 >= 0 && cpu1 >= 0) {
    double cpu = static_cast<double>(cpu1 - cpu0);
    double mb = static_cast<double>(window_total) / 1e6;
    out["server_cpu_pct"] = cpu / (o.duration * 1e4);
    out["server_cpu_us_per_mb"] = mb > 0 ? cpu / mb : 0.0;
    out["server_rss_kb_before"] = rss_before;
    out["server_rss_kb_after"] = rss_after;
    if (!players.empty() && rss_before >= 0 && rss_after >= 0) {
      out["server_kb_per_player"] =
          static_cast<double>(rss_after - rss_before) / static_cast<double>(players.size());
    }
  }
  std::cout << boost::json::serialize(out) << "\n";
  srt_epoll_release(epoll);
  srt_cleanup();
  return players.empty() ? 1 : 0;
}
