#pragma once
// Worker threads: one io_context per thread, about one per core. A session runs on the worker
// that accepted it until it attaches to a stream; then it moves to the stream's worker, so a
// stream and everything that touches it run on one thread without locks (docs/architecture.md).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace firstmile {

namespace asio = boost::asio;

class WorkerPool {
 public:
  explicit WorkerPool(size_t count);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return contexts_.size(); }
  asio::io_context& at(size_t i) { return *contexts_[i]; }
  // Round-robin choice for a new connection.
  asio::io_context& next();

  // Starts the threads (worker 0 is run by the calling thread in run_here()).
  void start();
  // Asks every io_context to stop once its work guard is released; joins the threads.
  void release_and_join();
  void stop_now();

 private:
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace firstmile
