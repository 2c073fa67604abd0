#include "output/viewer.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "viewer_harness.hpp"

namespace firstmile::output {
namespace {

using namespace testing;  // NOLINT: the harness

class ViewerTest : public LoopbackFixture {
 protected:
  // The first write is never delayed (a new viewer gets its picture at once); coalescing starts
  // with the second. Sends one packet and reads it back.
  void send_first(const std::shared_ptr<Viewer>& v) {
    Packet first = make_packet(9, 10);
    v->push(first);
    EXPECT_TRUE(read_exact(first.data.size(), 500ms) == bytes_of(first));
    EXPECT_EQ(v->stats().packets_sent, 1u);
  }

  // Pushes a large keyframe and runs until its write is under way but cannot finish: the client
  // never reads, so the kernel buffers fill and the writer is stuck mid-write.
  Packet block_writer(const std::shared_ptr<Viewer>& v) {
    Packet big = make_packet(0xB0, 1 << 20, 0, true);
    v->push(big);
    run_for(20ms);
    EXPECT_EQ(v->stats().packets_sent, 0u) << "the write should be stuck";
    EXPECT_EQ(v->queued_bytes(), 0u) << "the packet should be in flight";
    return big;
  }

  // Steps the io_context one handler at a time until `target` packets went out, recording
  // each distinct packets_sent value seen.
  std::vector<uint64_t> step_until_sent(const Viewer& v, uint64_t target) {
    std::vector<uint64_t> seen;
    auto deadline = std::chrono::steady_clock::now() + 2s;
    ioc_.restart();
    while (v.stats().packets_sent < target && std::chrono::steady_clock::now() < deadline) {
      ioc_.run_one_for(10ms);
      if (seen.empty() || seen.back() != v.stats().packets_sent)
        seen.push_back(v.stats().packets_sent);
      // Keep the client draining so the socket never blocks.
      uint8_t buf[65536];
      boost::system::error_code ec;
      while (client_.read_some(asio::buffer(buf), ec) > 0 && !ec) {
      }
    }
    return seen;
  }
};

TEST_F(ViewerTest, PacketsArriveInOrderByteExact) {
  auto v = make_viewer();
  start_loop(v);
  std::vector<Packet> packets = {make_packet(1, 1), make_packet(2, 100),    make_packet(3, 70000),
                                 make_packet(4, 3), make_packet(5, 200000), make_packet(6, 17)};
  Bytes expected;
  for (size_t i = 0; i < packets.size(); ++i) {
    v->push(packets[i]);
    append(expected, packets[i]);
    if (i % 2 == 0) run_for(1ms);  // some pushed while idle, some while a write is under way
  }
  Bytes got = read_exact(expected.size());
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  ASSERT_TRUE(run_until([&] { return v->stats().packets_sent == packets.size(); }, 1s));
  EXPECT_EQ(v->stats().bytes_sent, expected.size());
  EXPECT_EQ(v->stats().packets_dropped, 0u);
  EXPECT_EQ(v->queued_bytes(), 0u);
  EXPECT_TRUE(read_available().empty());
  EXPECT_FALSE(v->closed());
}

TEST_F(ViewerTest, PacketsQueuedTogetherGoOutInOneGatherWrite) {
  auto v = make_viewer();
  Bytes expected;
  for (uint8_t i = 0; i < 3; ++i) {
    Packet p = make_packet(i, 1000 + i);
    v->push(p);
    append(expected, p);
  }
  EXPECT_EQ(v->queued_bytes(), expected.size());
  start_loop(v);
  // One write carries all three: packets_sent goes from 0 straight to 3.
  auto seen = step_until_sent(*v, 3);
  EXPECT_EQ(seen.back(), 3u);
  EXPECT_EQ(std::set<uint64_t>(seen.begin(), seen.end()).count(1), 0u);
  EXPECT_EQ(std::set<uint64_t>(seen.begin(), seen.end()).count(2), 0u);
  EXPECT_EQ(v->stats().bytes_sent, expected.size());
}

TEST_F(ViewerTest, ALongQueueGoesOutInBatchesOf64) {
  auto v = make_viewer();
  for (int i = 0; i < 100; ++i)
    v->push(make_packet(static_cast<uint8_t>(i), 10));
  start_loop(v);
  auto seen = step_until_sent(*v, 100);
  std::vector<uint64_t> nonzero;
  for (auto s : seen) {
    if (s != 0) nonzero.push_back(s);
  }
  EXPECT_EQ(nonzero, (std::vector<uint64_t>{64, 100}));
}

TEST_F(ViewerTest, FinishFlushesThenWriteLoopReturns) {
  auto v = make_viewer();
  start_loop(v);
  run_for(2ms);  // the loop is idle, waiting
  Bytes expected;
  for (uint8_t i = 0; i < 4; ++i) {
    Packet p = make_packet(i, 30000);
    v->push(p);
    append(expected, p);
  }
  v->finish();
  v->push(make_packet(9, 10));  // after finish(): ignored
  Bytes got = read_exact(expected.size());
  EXPECT_TRUE(got == expected);
  ASSERT_TRUE(run_until([&] { return loops_returned_ == 1; }, 1s));
  EXPECT_EQ(v->stats().packets_sent, 4u);
  EXPECT_FALSE(v->closed());  // finished, not closed
  EXPECT_TRUE(read_available().empty());
}

TEST_F(ViewerTest, FinishWhileIdleReturnsAtOnce) {
  auto v = make_viewer();
  start_loop(v);
  run_for(2ms);
  v->finish();
  EXPECT_TRUE(run_until([&] { return loops_returned_ == 1; }, 500ms));
}

TEST_F(ViewerTest, SlowReaderSkipsToNextKeyframeKeepingConfig) {
  config_.max_queue_bytes = 1 << 20;
  config_.max_skips = 10;
  auto v = make_viewer();
  start_loop(v);
  Packet k1 = block_writer(v);
  Packet cfg = make_packet(0xC0, 100, 0, false, true);
  v->push(cfg);
  for (int i = 1; i <= 3; ++i) {
    v->push(make_packet(static_cast<uint8_t>(i), 256 << 10, 40 * i));
    run_for(1ms);
  }
  EXPECT_EQ(v->queued_bytes(), 100u + 3 * (256u << 10));
  EXPECT_EQ(v->stats().skips, 0u);
  // The fourth inter frame would take the queue past 1 MiB: drop to the next keyframe.
  v->push(make_packet(4, 256 << 10, 160));
  EXPECT_EQ(v->stats().skips, 1u);
  EXPECT_EQ(v->stats().packets_dropped, 4u);  // three queued and the one that overflowed
  EXPECT_EQ(v->queued_bytes(), 100u);         // the configuration packet is kept
  v->push(make_packet(5, 1000, 200));         // still waiting for a keyframe
  EXPECT_EQ(v->stats().packets_dropped, 5u);
  Packet k2 = make_packet(0xB2, 1000, 240, true);
  v->push(k2);
  Packet p6 = make_packet(6, 500, 280);
  v->push(p6);
  EXPECT_EQ(v->queued_bytes(), 1600u);
  EXPECT_FALSE(v->closed());

  // The reader wakes up: it gets the stuck keyframe, the kept config, then the new GOP.
  Bytes expected;
  for (const Packet* p : {&k1, &cfg, &k2, &p6})
    append(expected, *p);
  Bytes got = read_exact(expected.size());
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  EXPECT_TRUE(read_available().empty());
  EXPECT_EQ(v->stats().packets_sent, 4u);
}

TEST_F(ViewerTest, TooManySkipsCloseTheViewerAndCallOnClose) {
  config_.max_skips = 2;
  config_.skip_window = 10s;
  auto v = make_viewer();
  int on_close_calls = 0;
  std::string on_close_reason;
  v->on_close = [&](const std::string& reason) {
    ++on_close_calls;
    on_close_reason = reason;
  };
  start_loop(v);
  block_writer(v);
  EXPECT_EQ(v->stats().skips, 0u);
  config_.max_queue_bytes = 64 << 10;  // the viewer reads its config live
  for (int skip = 1; skip <= 2; ++skip) {
    v->push(make_packet(1, 70 << 10, 40 * skip));  // over the queue bound on its own
    EXPECT_EQ(v->stats().skips, static_cast<uint32_t>(skip));
    EXPECT_FALSE(v->closed());
    v->push(make_packet(2, 10, 40 * skip, true));  // resume at a keyframe
  }
  EXPECT_EQ(on_close_calls, 0);
  v->push(make_packet(3, 70 << 10, 200));  // third skip within the window: more than max_skips
  EXPECT_TRUE(v->closed());
  EXPECT_EQ(on_close_calls, 1);
  EXPECT_EQ(on_close_reason, v->close_reason());
  EXPECT_NE(v->close_reason().find("slow viewer"), std::string::npos) << v->close_reason();
  EXPECT_EQ(v->queued_bytes(), 0u);
  // The stuck write is cancelled: write_loop returns now, not when the peer reads.
  EXPECT_TRUE(run_until([&] { return loops_returned_ == 1; }, 300ms));
  v->push(make_packet(4, 10, 240, true));
  EXPECT_EQ(v->queued_bytes(), 0u);
  EXPECT_EQ(on_close_calls, 1);
}

TEST_F(ViewerTest, SkipsOlderThanTheWindowAreForgotten) {
  config_.max_queue_bytes = 1000;
  config_.max_skips = 1;
  config_.skip_window = 50ms;
  auto v = make_viewer();  // no writer: the queue only grows
  // Keyframes over the bound: each one skips (and is then queued, being a resume point).
  v->push(make_packet(1, 2000, 0, true));  // skip 1
  EXPECT_EQ(v->stats().skips, 1u);
  EXPECT_EQ(v->queued_bytes(), 2000u);
  std::this_thread::sleep_for(70ms);
  v->push(make_packet(2, 2000, 40, true));  // skip 2: the first is out of the window
  EXPECT_EQ(v->stats().skips, 2u);
  EXPECT_FALSE(v->closed());
  v->push(make_packet(3, 2000, 80, true));  // skip 3: two within 50 ms, over max_skips = 1
  EXPECT_TRUE(v->closed());
}

TEST_F(ViewerTest, CloseOnAStuckWriteReturnsPromptly) {
  auto v = make_viewer();
  bool on_close_called = false;
  v->on_close = [&](const std::string&) { on_close_called = true; };
  start_loop(v);
  block_writer(v);
  v->push(make_packet(1, 100));
  auto start = std::chrono::steady_clock::now();
  v->close("kicked by the API");
  EXPECT_TRUE(run_until([&] { return loops_returned_ == 1; }, 300ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_TRUE(v->closed());
  EXPECT_EQ(v->close_reason(), "kicked by the API");
  EXPECT_FALSE(on_close_called);  // on_close is for the viewer closing itself
  EXPECT_EQ(v->stats().packets_sent, 0u);
  v->close("again");  // idempotent: the first reason stays
  EXPECT_EQ(v->close_reason(), "kicked by the API");
}

TEST_F(ViewerTest, LagOverMaxLagTriggersASkip) {
  config_.max_lag = 1000ms;
  config_.max_queue_bytes = 1 << 30;
  auto v = make_viewer();  // no writer yet: what is pushed stays queued
  Packet cfg = make_packet(0xC0, 50, 0, false, true);
  v->push(cfg);
  v->push(make_packet(1, 100, 0, true));
  v->push(make_packet(2, 100, 500));
  v->push(make_packet(3, 100, 1000));  // exactly max_lag behind the oldest: still fine
  EXPECT_EQ(v->stats().skips, 0u);
  v->push(make_packet(4, 100, 1001));
  EXPECT_EQ(v->stats().skips, 1u);
  EXPECT_EQ(v->stats().packets_dropped, 4u);
  EXPECT_EQ(v->queued_bytes(), 50u);
  // A configuration packet carries no media time: it neither triggers nor anchors the lag.
  Packet cfg2 = make_packet(0xC1, 50, 99999, false, true);
  v->push(cfg2);
  EXPECT_EQ(v->stats().skips, 1u);
  v->push(make_packet(5, 100, 1040));  // dropped: waiting for a keyframe
  Packet k = make_packet(6, 100, 5000, true);
  v->push(k);
  Packet p = make_packet(7, 100, 5900);
  v->push(p);
  EXPECT_EQ(v->stats().skips, 1u);
  EXPECT_EQ(v->stats().packets_dropped, 5u);

  start_loop(v);
  Bytes expected;
  for (const Packet* x : {&cfg, &cfg2, &k, &p})
    append(expected, *x);
  Bytes got = read_exact(expected.size());
  EXPECT_TRUE(got == expected);
}

TEST_F(ViewerTest, WaitForKeyframeDropsMediaButNotConfig) {
  auto v = make_viewer();
  v->wait_for_keyframe();
  v->push(make_packet(1, 10));
  Packet cfg = make_packet(2, 20, 0, false, true);
  v->push(cfg);
  Packet k = make_packet(3, 30, 40, true);
  v->push(k);
  Packet p = make_packet(4, 40, 80);
  v->push(p);
  EXPECT_EQ(v->stats().packets_dropped, 1u);
  EXPECT_EQ(v->queued_bytes(), 90u);
  start_loop(v);
  Bytes expected;
  for (const Packet* x : {&cfg, &k, &p})
    append(expected, *x);
  EXPECT_TRUE(read_exact(expected.size()) == expected);
}

TEST_F(ViewerTest, CoalesceHoldsPacketsUntilFlushThenSendsThemInOneWrite) {
  config_.coalesce = 200ms;
  auto v = make_viewer();
  start_loop(v);
  run_for(2ms);
  send_first(v);
  Packet a = make_packet(1, 100);
  Packet b = make_packet(2, 200);
  Packet c = make_packet(3, 300);
  v->push(a);
  v->push(b);
  v->push(c);
  run_for(20ms);
  EXPECT_EQ(v->stats().packets_sent, 1u) << "coalescing: held for the flush";
  EXPECT_EQ(v->queued_bytes(), 600u);
  EXPECT_TRUE(read_available().empty());
  v->flush();
  // One non-blocking write from flush() itself carries all three.
  EXPECT_EQ(v->stats().packets_sent, 4u);
  EXPECT_EQ(v->queued_bytes(), 0u);
  Bytes expected;
  for (const Packet* x : {&a, &b, &c})
    append(expected, *x);
  EXPECT_TRUE(read_exact(expected.size()) == expected);
}

TEST_F(ViewerTest, CoalescingFlushHandsWhatTheKernelRefusesToTheWriter) {
  config_.coalesce = 10s;
  auto v = make_viewer();
  start_loop(v);
  run_for(2ms);
  send_first(v);
  // Held (under the 64 KiB threshold each time), then more than the socket takes at once.
  std::vector<Packet> packets;
  Bytes expected;
  for (uint8_t i = 0; i < 6; ++i) {
    packets.push_back(make_packet(static_cast<uint8_t>(0x20 + i), 10000));
    v->push(packets.back());
    append(expected, packets.back());
  }
  v->flush();
  EXPECT_GT(v->queued_bytes(), 0u) << "the kernel should not take 60 KB into a 4 KB buffer";
  // The writer coroutine finishes the job as the client reads; no second flush needed.
  EXPECT_TRUE(read_exact(expected.size(), 2s) == expected);
  EXPECT_TRUE(run_until([&] { return v->stats().packets_sent == 7; }, 1s));
}

TEST_F(ViewerTest, CoalesceWithoutDelayWhenQueueIsLarge) {
  config_.coalesce = 10s;
  auto v = make_viewer();
  start_loop(v);
  run_for(2ms);
  Packet big = make_packet(1, 70 << 10);  // past the 64 KiB coalescing threshold
  v->push(big);
  EXPECT_TRUE(read_exact(big.data.size(), 500ms) == bytes_of(big));
}

TEST_F(ViewerTest, FinishCutsCoalescingShort) {
  config_.coalesce = 10s;
  auto v = make_viewer();
  start_loop(v);
  run_for(2ms);
  send_first(v);
  Packet a = make_packet(1, 100);
  v->push(a);
  run_for(5ms);
  EXPECT_EQ(v->stats().packets_sent, 1u);
  v->finish();
  EXPECT_TRUE(read_exact(a.data.size(), 500ms) == bytes_of(a));
  EXPECT_TRUE(run_until([&] { return loops_returned_ == 1; }, 500ms));
}

TEST_F(ViewerTest, CloseCutsCoalescingShort) {
  config_.coalesce = 10s;
  auto v = make_viewer();
  start_loop(v);
  run_for(2ms);
  send_first(v);
  v->push(make_packet(1, 100));
  run_for(5ms);
  v->close("bye");
  EXPECT_TRUE(run_until([&] { return loops_returned_ == 1; }, 500ms));
  EXPECT_EQ(v->stats().packets_sent, 1u);
  EXPECT_TRUE(read_available().empty());
}

TEST_F(ViewerTest, WriteErrorClosesTheViewer) {
  auto v = make_viewer();
  start_loop(v);
  client_.close();
  for (int i = 0; i < 100 && !v->closed(); ++i) {
    v->push(make_packet(static_cast<uint8_t>(i), 64 << 10));
    run_for(2ms);
  }
  ASSERT_TRUE(v->closed());
  EXPECT_EQ(v->close_reason().rfind("write: ", 0), 0u) << v->close_reason();
  EXPECT_TRUE(run_until([&] { return loops_returned_ == 1; }, 500ms));
}

// Regression: a configuration packet that takes the queue over max_queue_bytes triggers a skip, and
// push() then clears need_keyframe_ for it ("need_keyframe_ = false" runs for config packets
// too), so the inter frames after it are queued although the viewer has not reached a
// keyframe: the player resumes mid-GOP, on frames whose references were dropped.
TEST_F(ViewerTest, ConfigPacketOverTheLimitDoesNotEndTheKeyframeWait) {
  config_.max_queue_bytes = 1000;
  auto v = make_viewer();
  v->push(make_packet(1, 400, 0, true));
  v->push(make_packet(2, 400, 40));
  v->push(make_packet(3, 300, 80, false, true));  // 1100 > 1000: skip, config kept
  EXPECT_EQ(v->stats().skips, 1u);
  EXPECT_EQ(v->queued_bytes(), 300u);
  v->push(make_packet(4, 100, 120));  // an inter frame: must be dropped until a keyframe
  EXPECT_EQ(v->queued_bytes(), 300u);
  EXPECT_EQ(v->stats().packets_dropped, 3u);
}

}  // namespace
}  // namespace firstmile::output
