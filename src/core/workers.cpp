#include "core/workers.hpp"

namespace firstmile {

WorkerPool::WorkerPool(size_t count) {
  if (count == 0) count = 1;
  for (size_t i = 0; i < count; ++i) {
    // Concurrency hint 1: each io_context is driven by exactly one thread, so Asio can skip
    // its internal locking.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

WorkerPool::~WorkerPool() {
  stop_now();
}

asio::io_context& WorkerPool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void WorkerPool::start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
}

void WorkerPool::release_and_join() {
  for (auto& g : guards_)
    g.reset();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::stop_now() {
  for (auto& ctx : contexts_)
    ctx->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace firstmile
