#include "core/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace firstmile {

Listener::Listener(std::string name, WorkerPool& workers, ConnectionLimiter& connections,
                   Logger log, Handler handler, Options options)
    : name_(std::move(name)),
      workers_(workers),
      connections_(connections),
      log_(std::move(log)),
      handler_(std::move(handler)),
      options_(options) {}

void Listener::start(const std::string& address) {
  auto ep = parse_listen_address(address);
  if (!ep) throw std::runtime_error(name_ + ".listen: " + ep.error().message);
  acceptor_ = std::make_unique<tcp::acceptor>(workers_.at(0));
  boost::system::error_code ec;
  acceptor_->open(ep->protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(*ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(name_ + ".listen " + address + ": " + ec.message());
  endpoint_ = acceptor_->local_endpoint();
  log_->info("{} listening address={}", name_, endpoint_string(endpoint_));
  asio::co_spawn(acceptor_->get_executor(), accept_loop(), LogExceptions{log_, "accept loop"});
}

void Listener::stop() {
  if (!acceptor_) return;
  asio::post(acceptor_->get_executor(), [a = acceptor_.get()] {
    boost::system::error_code ignored;
    a->close(ignored);
  });
}

asio::awaitable<void> Listener::accept_loop() {
  for (;;) {
    auto& worker = workers_.next();
    auto [ec, accepted] =
        co_await acceptor_->async_accept(worker, asio::as_tuple(asio::use_awaitable));
    if (!acceptor_->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: log, pause briefly so a descriptor shortage does not spin.
      log_->warn("{} accept error=\"{}\"", name_, ec.message());
      asio::steady_timer pause(acceptor_->get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    tcp::socket socket(std::move(accepted));
    boost::system::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) continue;  // gone already
    ConnectionLimiter::Refusal why;
    auto slot = connections_.try_acquire(peer.address(), why);
    const bool viewer_ok = !slot || !options_.viewers || slot.become_viewer();
    if (!slot || !viewer_ok) {
      // A flood of refusals is what an attack looks like: logged within a budget, counted in
      // firstmile_connections_refused_total whatever the log shows.
      uint64_t suppressed = 0;
      if (refusals_log_.allow(suppressed)) {
        log_->warn("{} refused peer={} reason=\"{}\" suppressed={}", name_, peer_string(socket),
                   !viewer_ok ? "viewers' share full (limits.reserved_for_publishers)"
                   : why == ConnectionLimiter::Refusal::PerAddress
                       ? "connection limit reached (limits.max_connections_per_ip)"
                       : "connection limit reached (limits.max_connections)",
                   suppressed);
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, handler_(std::move(socket), std::move(slot)),
                   LogExceptions{log_, "session", options_.faults, name_.c_str()});
  }
}

}  // namespace firstmile
