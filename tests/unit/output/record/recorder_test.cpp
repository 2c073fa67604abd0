#include "output/record/recorder.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <mutex>

#include "format/fmp4/box_reader.hpp"
#include "format/fmp4/box_writer.hpp"
#include "format/fmp4/fmp4_vectors.hpp"
#include "format/fmp4/mp4_reader.hpp"
#include "output/record/mp4_finalize.hpp"
#include "quiet_log.hpp"

namespace firstmile::record {
namespace {

using media::Codec;
using media::MediaKind;
using test::quiet_log;
using test::bmff::be_at;
using test::bmff::walk_all;

namespace fs = std::filesystem;

media::FramePtr make_frame(MediaKind kind, int64_t dts, bool key, size_t size, uint8_t fill) {
  auto f = std::make_shared<media::Frame>();
  f->kind = kind;
  f->codec = kind == MediaKind::Video ? Codec::H264 : Codec::AAC;
  f->dts = dts;
  f->pts = dts + (kind == MediaKind::Video ? 3000 : 0);
  f->keyframe = key;
  f->payload = Buffer::adopt(Bytes(size, fill));
  return f;
}

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

class RecordTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("firstmile-record-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // 30 fps video with a keyframe every `gop` frames and 44.1 kHz AAC beside it, for `seconds`.
  void feed(Recorder& r, double seconds, int gop, int64_t start = 0) {
    const int frames = static_cast<int>(seconds * 30);
    int64_t audio = start;
    for (int i = 0; i < frames; ++i) {
      const int64_t dts = start + i * 3000;
      r.on_frame(
          make_frame(MediaKind::Video, dts, i % gop == 0, 200 + i % 7, static_cast<uint8_t>(i)));
      while (audio <= dts) {
        r.on_frame(make_frame(MediaKind::Audio, audio, true, 20, 0xaa));
        audio += 2090;  // 1024 samples at 44.1 kHz, in 90 kHz ticks
      }
    }
  }

  RecorderConfig config(double max_duration = 3600) {
    return RecorderConfig{.app = "live",
                          .stream = "cam",
                          .path_template = (dir_ / "{app}/{stream}/{start_time}.mp4").string(),
                          .fragment = 1.0,
                          .max_duration = max_duration,
                          .on_done =
                              [this](const RecordingDone& d) {
                                std::lock_guard lock(mutex_);
                                done_.push_back(d);
                              },
                          .log = quiet_log()};
  }

  fs::path dir_;
  std::mutex mutex_;
  std::vector<RecordingDone> done_;
};

TEST(RecordingPath, FillsTheTemplateAndRefusesEscapes) {
  // 2026-12-08 01:55:18 UTC.
  auto p = recording_path("rec/{app}/{stream}/{start_time}.mp4", "live", "cam", 1796694918123);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->string(), "rec/live/cam/2026-12-08_01-55-18.mp4");
  EXPECT_FALSE(recording_path("rec/{stream}/{start_time}.mp4", "live", "..", 0));
  EXPECT_FALSE(recording_path("rec/{stream}/{start_time}.mp4", "live", "a/b", 0));
  EXPECT_FALSE(recording_path("../{stream}/{start_time}.mp4", "live", "cam", 0));
}

TEST_F(RecordTest, WritesFragmentsWhileLiveThenAProgressiveFile) {
  auto disk = std::make_shared<DiskQueue>(2, 64 << 20);
  auto rec = std::make_unique<Recorder>(config(), disk);
  rec->on_tracks(test::fmp4_avc_aac_tracks());
  // Audio before the first keyframe is not recorded: the file starts with a picture.
  rec->on_frame(make_frame(MediaKind::Audio, 0, true, 20, 0xaa));
  feed(*rec, 5.0, 60, 9000);
  ASSERT_TRUE(rec->recording());

  // While live: a fragmented MP4 whose complete fragments hold what was fed so far (one per
  // second of media; the last second is still pending).
  const fs::path dir = dir_ / "live" / "cam";
  std::optional<FragmentedMp4> live;
  for (int i = 0; i < 500; ++i) {
    if (fs::exists(dir) && !fs::is_empty(dir)) {
      auto index = index_fragmented_mp4(fs::directory_iterator(dir)->path());
      if (index && index->fragments.size() >= 4) {
        live = std::move(*index);
        break;
      }
    }
    ::usleep(10000);
  }
  ASSERT_TRUE(live);
  EXPECT_EQ(live->tracks.size(), 2u);
  EXPECT_EQ(live->fragments.size(), 4u);
  EXPECT_EQ(live->complete_size, live->file_size);
  EXPECT_TRUE(done_.empty());
  rec->on_end();
  disk->join();
  EXPECT_EQ(done_.size(), 1u);
}

TEST_F(RecordTest, FinishesWithTheMoovFirstAndEverySample) {
  auto disk = std::make_shared<DiskQueue>(2, 64 << 20);
  auto rec = std::make_unique<Recorder>(config(), disk);
  rec->on_tracks(test::fmp4_avc_aac_tracks());
  feed(*rec, 4.0, 30);
  rec->on_end();
  EXPECT_FALSE(rec->recording());
  disk->join();
  ASSERT_EQ(done_.size(), 1u);
  const RecordingDone& d = done_[0];
  EXPECT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(d.app, "live");
  EXPECT_NEAR(d.duration, 4.0, 0.05);
  const Bytes bytes = read_file(d.path);
  EXPECT_EQ(bytes.size(), d.size);
  ASSERT_GT(bytes.size(), 16u);
  // ftyp, moov, mdat: the mdat runs to the end of the file.
  const auto head = format::read_box_header(bytes);
  ASSERT_TRUE(head);
  const auto moov = format::read_box_header(ByteSpan(bytes).subspan(head->size));
  ASSERT_TRUE(moov);
  EXPECT_EQ(moov->type, format::box_type("moov"));
  const auto mdat = format::read_box_header(ByteSpan(bytes).subspan(head->size + moov->size));
  ASSERT_TRUE(mdat);
  EXPECT_EQ(mdat->type, format::box_type("mdat"));
  EXPECT_EQ(head->size + moov->size + mdat->size, bytes.size());
  // 120 pictures, the first one's bytes first in the mdat.
  const auto w = walk_all(
      Bytes(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(head->size + moov->size)));
  const auto& stsz = w[1].all("trak")[0]->path("mdia/minf/stbl/stsz");
  EXPECT_EQ(be_at(stsz.body, 8, 4), 120u);
  EXPECT_EQ(be_at(stsz.body, 12, 4), 200u);
  const auto& stco = w[1].all("trak")[0]->path("mdia/minf/stbl/stco");
  const uint64_t first = be_at(stco.body, 8, 4);
  EXPECT_EQ(first, head->size + moov->size + 8);
  EXPECT_EQ(bytes[first], 0);
  EXPECT_EQ(bytes[first + 200], 1);  // the second picture follows the first
  // Every keyframe is a sync sample: 4 of them.
  EXPECT_EQ(be_at(w[1].all("trak")[0]->path("mdia/minf/stbl/stss").body, 4, 4), 4u);
}

TEST_F(RecordTest, SplitsAtMaxDurationOnAKeyframe) {
  auto disk = std::make_shared<DiskQueue>(2, 64 << 20);
  auto rec = std::make_unique<Recorder>(config(10), disk);
  rec->on_tracks(test::fmp4_avc_aac_tracks());
  feed(*rec, 25.0, 60);  // keyframes every 2 s: files of 10, 10 and 5 s
  rec.reset();           // destroyed while live: its file is finished too
  disk->join();
  ASSERT_EQ(done_.size(), 3u);
  EXPECT_NEAR(done_[0].duration, 10.0, 0.05);
  EXPECT_NEAR(done_[1].duration, 10.0, 0.05);
  EXPECT_NEAR(done_[2].duration, 5.0, 0.05);
  EXPECT_NE(done_[0].path, done_[1].path);  // the same second: a suffix tells them apart
  for (const auto& d : done_)
    EXPECT_TRUE(d.error.empty()) << d.error;
}

TEST_F(RecordTest, ACrashLeavesEveryCompleteFragment) {
  auto disk = std::make_shared<DiskQueue>(1, 64 << 20);
  auto rec = std::make_unique<Recorder>(config(), disk);
  rec->on_tracks(test::fmp4_avc_aac_tracks());
  feed(*rec, 3.5, 30);
  // The file as a crash would leave it: three fragments (0-1, 1-2, 2-3 s; 3-3.5 s is still
  // pending) and half of a fourth.
  const fs::path dir = dir_ / "live" / "cam";
  const fs::path crashed = dir_ / "crashed.mp4";
  for (int i = 0; i < 500; ++i) {
    if (fs::exists(dir) && !fs::is_empty(dir)) {
      auto index = index_fragmented_mp4(fs::directory_iterator(dir)->path());
      if (index && index->fragments.size() == 3) {
        fs::copy_file(fs::directory_iterator(dir)->path(), crashed);
        break;
      }
    }
    ::usleep(10000);
  }
  ASSERT_TRUE(fs::exists(crashed));
  const size_t complete = fs::file_size(crashed);
  {
    std::ofstream out(crashed, std::ios::binary | std::ios::app);
    const Bytes half = {0, 0, 0, 100, 'm', 'o', 'o', 'f', 0, 0};
    out.write(reinterpret_cast<const char*>(half.data()),
              static_cast<std::streamsize>(half.size()));
  }
  auto done = finalize_mp4(crashed);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->dropped_bytes, 10u);
  EXPECT_EQ(done->fragments, 3u);
  EXPECT_NEAR(done->duration, 3.0, 0.05);
  EXPECT_LT(fs::file_size(crashed), complete + 2000);
  EXPECT_FALSE(fs::exists(crashed.string() + ".tmp"));
  // Done twice: a progressive file is not a fragmented one.
  EXPECT_FALSE(finalize_mp4(crashed));
  rec->on_end();
  disk->join();
}

TEST_F(RecordTest, AFileThatCannotBeCreatedStopsTheRecording) {
  auto disk = std::make_shared<DiskQueue>(1, 64 << 20);
  auto cfg = config();
  fs::create_directories(dir_ / "blocked");
  std::ofstream(dir_ / "blocked" / "live") << "a file where a directory should be";
  cfg.path_template = (dir_ / "blocked/{app}/{stream}/{start_time}.mp4").string();
  auto rec = std::make_unique<Recorder>(cfg, disk);
  rec->on_tracks(test::fmp4_avc_aac_tracks());
  feed(*rec, 1.5, 30);
  // The disk thread has failed the file; the next fragment notices and stops.
  for (int i = 0; i < 200 && rec->recording(); ++i) {
    feed(*rec, 1.1, 30, static_cast<int64_t>((2 + i) * 90000 * 2));
    ::usleep(1000);
  }
  EXPECT_FALSE(rec->recording());
  rec.reset();
  disk->join();
  EXPECT_TRUE(done_.empty());
}

TEST_F(RecordTest, ABoundedQueueStopsRatherThanGrows) {
  auto disk = std::make_shared<DiskQueue>(1, 1024);  // smaller than one fragment
  auto rec = std::make_unique<Recorder>(config(), disk);
  rec->on_tracks(test::fmp4_avc_aac_tracks());
  feed(*rec, 3.0, 30);
  EXPECT_FALSE(rec->recording());
  EXPECT_EQ(rec->stats().failures, 1u);
  EXPECT_EQ(disk->queued_bytes(), 0u);
}

TEST(RecordingsRoot, TheDirectoryAboveTheFirstField) {
  EXPECT_EQ(recordings_root("recordings/{app}/{stream}/{start_time}.mp4"), "recordings");
  EXPECT_EQ(recordings_root("/srv/rec/live-{stream}/{start_time}.mp4"), "/srv/rec");
  EXPECT_EQ(recordings_root("{app}/{stream}/{start_time}.mp4"), "");  // not the working dir
  EXPECT_EQ(recordings_root("/{stream}-{start_time}.mp4"), "");
}

TEST_F(RecordTest, LeftoversOfACrashAreFinishedAtStart) {
  auto disk = std::make_shared<DiskQueue>(1, 64 << 20);
  auto rec = std::make_unique<Recorder>(config(), disk);
  rec->on_tracks(test::fmp4_avc_aac_tracks());
  feed(*rec, 4.5, 30);
  const fs::path dir = dir_ / "live" / "cam";
  const fs::path crashed = dir_ / "old" / "live" / "cam" / "crashed.mp4";
  fs::create_directories(crashed.parent_path());
  for (int i = 0; i < 500 && !fs::exists(crashed); ++i) {
    if (fs::exists(dir) && !fs::is_empty(dir)) {
      auto index = index_fragmented_mp4(fs::directory_iterator(dir)->path());
      if (index && index->fragments.size() == 4)
        fs::copy_file(fs::directory_iterator(dir)->path(), crashed);
    }
    ::usleep(10000);
  }
  rec->on_end();
  disk->join();
  ASSERT_TRUE(fs::exists(crashed));
  std::ofstream(crashed.string() + ".tmp") << "half a finish";
  const fs::path finished = done_.at(0).path;
  done_.clear();

  auto found = list_recordings(dir_, quiet_log());
  EXPECT_EQ(found.size(), 2u);
  EXPECT_FALSE(fs::exists(crashed.string() + ".tmp"));
  EXPECT_TRUE(looks_fragmented(crashed));
  EXPECT_FALSE(looks_fragmented(finished));
  for (const auto& p : found)
    finish_leftover(p, quiet_log(), [this](const RecordingDone& d) { done_.push_back(d); });
  ASSERT_EQ(done_.size(), 1u);  // the finished one is left alone
  EXPECT_EQ(done_[0].path, crashed);
  EXPECT_TRUE(done_[0].recovered);
  EXPECT_EQ(done_[0].app, "live");
  EXPECT_EQ(done_[0].stream, "cam");
  EXPECT_NEAR(done_[0].duration, 4.0, 0.05);
  EXPECT_FALSE(looks_fragmented(crashed));
}

}  // namespace
}  // namespace firstmile::record
