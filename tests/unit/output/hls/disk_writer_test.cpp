#include "output/hls/disk_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace firstmile::hls {
namespace {

namespace fs = std::filesystem;

class HlsDiskWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("hls_disk_writer_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  HlsDiskConfig config() const {
    HlsDiskConfig c;
    c.directory = root_.string();
    c.app = "live";
    c.stream = "cam1";
    return c;
  }
  fs::path dir() const { return root_ / "live" / "cam1"; }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path root_;
};

HlsSegment segment(uint64_t seq, size_t size) {
  HlsSegment s;
  s.sequence = seq;
  s.name = std::to_string(seq) + ".ts";
  s.duration = 2.0;
  s.data = Buffer::adopt(Bytes(size, static_cast<uint8_t>(seq)));
  return s;
}

std::shared_ptr<const HlsSnapshot> snapshot(uint64_t first_listed, uint64_t first_kept,
                                            uint64_t end, size_t size = 376) {
  auto s = std::make_shared<HlsSnapshot>();
  for (uint64_t i = first_kept; i < end; ++i)
    s->segments.push_back(segment(i, size));
  s->media_sequence = first_listed;
  s->playlist =
      "#EXTM3U\n# listing " + std::to_string(first_listed) + ".." + std::to_string(end - 1) + "\n";
  return s;
}

TEST_F(HlsDiskWriterTest, RefusesNamesThatLeaveTheDirectory) {
  for (const char* bad : {"", ".", "..", "a/b", "/etc", "x..y", "../up"}) {
    HlsDiskConfig c = config();
    c.stream = bad;
    EXPECT_FALSE(HlsDiskWriter::create(c).ok()) << bad;
    c = config();
    c.app = bad;
    EXPECT_FALSE(HlsDiskWriter::create(c).ok()) << bad;
  }
  HlsDiskConfig c = config();
  c.stream = std::string("ab\0cd", 5);
  EXPECT_FALSE(HlsDiskWriter::create(c).ok());
  c = config();
  c.playlist_name = "../index.m3u8";
  EXPECT_FALSE(HlsDiskWriter::create(c).ok());
  c = config();
  c.directory.clear();
  EXPECT_FALSE(HlsDiskWriter::create(c).ok());
  EXPECT_TRUE(HlsDiskWriter::create(config()).ok());
  EXPECT_TRUE(is_safe_path_component("stream-1_a.b"));
}

TEST_F(HlsDiskWriterTest, WritesListedSegmentsAndPlaylistAndRemovesOldOnes) {
  auto created = HlsDiskWriter::create(config());
  ASSERT_TRUE(created.ok());
  auto writer = std::move(created).value();
  writer->submit(snapshot(0, 0, 2));
  writer->submit(snapshot(0, 0, 3));
  // Segments 0 and 1 left the playlist (1 is still kept in memory for slow clients).
  writer->submit(snapshot(2, 1, 5));
  writer->stop();  // drains

  EXPECT_EQ(writer->directory(), dir());
  EXPECT_FALSE(fs::exists(dir() / "0.ts"));
  EXPECT_FALSE(fs::exists(dir() / "1.ts"));
  for (int i = 2; i < 5; ++i) {
    const std::string body = read(dir() / (std::to_string(i) + ".ts"));
    EXPECT_EQ(body, std::string(376, static_cast<char>(i)));
  }
  EXPECT_EQ(read(dir() / "index.m3u8"), "#EXTM3U\n# listing 2..4\n");
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir())) {
    EXPECT_NE(e.path().extension(), ".tmp");
    ++files;
  }
  EXPECT_EQ(files, 4u);
  const HlsDiskStats st = writer->stats();
  EXPECT_EQ(st.jobs_written, 3u);
  EXPECT_EQ(st.segments_written, 5u);
  EXPECT_EQ(st.files_removed, 2u);
  EXPECT_EQ(st.jobs_dropped, 0u);
  EXPECT_EQ(st.write_errors, 0u);
}

TEST_F(HlsDiskWriterTest, FullQueueDropsAndTheNextSnapshotCatchesUp) {
  HlsDiskConfig c = config();
  c.max_queue_bytes = 1500;
  auto writer = std::move(HlsDiskWriter::create(c)).value();
  writer->submit(snapshot(0, 0, 1, 2000));  // larger than the whole queue: dropped at once
  EXPECT_EQ(writer->stats().jobs_dropped, 1u);
  writer->submit(snapshot(0, 0, 2, 100));  // carries segment 0 again, and segment 1
  writer->stop();
  EXPECT_EQ(read(dir() / "0.ts"), std::string(100, '\0'));
  EXPECT_TRUE(fs::exists(dir() / "1.ts"));
  EXPECT_EQ(writer->stats().jobs_written, 1u);
  writer->submit(snapshot(0, 0, 3, 100));  // after stop(): dropped, never blocks
  EXPECT_EQ(writer->stats().jobs_dropped, 2u);
}

TEST_F(HlsDiskWriterTest, DestructorDrainsTheQueue) {
  {
    auto writer = std::move(HlsDiskWriter::create(config())).value();
    for (uint64_t n = 1; n <= 20; ++n)
      writer->submit(snapshot(n > 6 ? n - 6 : 0, 0, n));
  }
  EXPECT_EQ(read(dir() / "index.m3u8"), "#EXTM3U\n# listing 14..19\n");
  EXPECT_TRUE(fs::exists(dir() / "19.ts"));
  EXPECT_FALSE(fs::exists(dir() / "13.ts"));
}

TEST_F(HlsDiskWriterTest, LeftoversOfEarlierRunsGoAtStartAndItsOwnFilesAtTheEnd) {
  // An earlier run crashed mid-write in this stream's directory and left another stream's.
  fs::create_directories(dir());
  fs::create_directories(root_ / "live" / "gone");
  for (auto p : {dir() / "old-7.ts", dir() / "index.m3u8.tmp", dir() / "old-init.mp4",
                 root_ / "live" / "gone" / "index.m3u8", root_ / "live" / "gone" / "x-1.m4s"})
    std::ofstream(p) << "x";
  std::ofstream(dir() / "notes.txt") << "the operator's";
  std::ofstream(root_ / "top.ts") << "not in an app/stream directory";
  // At server start: everything a disk copy writes, two levels down.
  EXPECT_EQ(remove_hls_leftovers(root_), 5u);
  EXPECT_FALSE(fs::exists(root_ / "live" / "gone"));
  EXPECT_TRUE(fs::exists(dir() / "notes.txt"));
  EXPECT_TRUE(fs::exists(root_ / "top.ts"));

  // When a stream instance starts, in its own directory.
  std::ofstream(dir() / "old-8.ts") << "x";
  HlsDiskConfig c = config();
  c.remove_at_end = [] { return true; };
  {
    auto writer = std::move(HlsDiskWriter::create(c)).value();
    writer->submit(snapshot(0, 0, 3));
    writer->stop();
    EXPECT_FALSE(fs::exists(dir() / "old-8.ts"));
    EXPECT_TRUE(fs::exists(dir() / "2.ts"));
    EXPECT_EQ(writer->stats().files_removed, 1u);
  }
  // Its own files go with it; the operator's file (and so the directory) stays.
  EXPECT_FALSE(fs::exists(dir() / "2.ts"));
  EXPECT_FALSE(fs::exists(dir() / "index.m3u8"));
  EXPECT_TRUE(fs::exists(dir() / "notes.txt"));
  fs::remove(dir() / "notes.txt");
  {
    auto writer = std::move(HlsDiskWriter::create(c)).value();
    writer->submit(snapshot(0, 0, 1));
  }
  EXPECT_FALSE(fs::exists(root_ / "live"));  // empty: gone too
  EXPECT_TRUE(fs::exists(root_));
}

TEST_F(HlsDiskWriterTest, IgnoresSnapshotsWithoutPlaylist) {
  auto writer = std::move(HlsDiskWriter::create(config())).value();
  writer->submit(std::make_shared<HlsSnapshot>());
  writer->submit(nullptr);
  writer->stop();
  EXPECT_FALSE(fs::exists(dir()));
}

TEST_F(HlsDiskWriterTest, FollowsARealSegmenter) {
  auto writer = std::move(HlsDiskWriter::create(config())).value();
  HlsConfig hc;
  hc.window = 2;
  hc.keep_extra = 1;
  HlsSegmenter seg(hc);
  seg.on_snapshot = [&](const std::shared_ptr<const HlsSnapshot>& s) { writer->submit(s); };
  media::Tracks t;
  t.video.emplace();
  t.video->codec = media::Codec::H264;
  seg.start(t);
  for (int i = 0; i < 300; ++i) {  // 10 s, 30 fps, 1 s GOPs: 5 segments
    media::Frame f;
    f.codec = media::Codec::H264;
    f.dts = f.pts = i * 3000;
    f.keyframe = i % 30 == 0;
    f.payload = Buffer::copy(Bytes{0, 0, 0, 2, static_cast<uint8_t>(f.keyframe ? 0x65 : 0x41), 0});
    seg.push(f);
  }
  seg.end();
  writer->stop();
  const auto snap = seg.snapshot();
  EXPECT_EQ(read(dir() / "index.m3u8"), snap->playlist);
  EXPECT_NE(snap->playlist.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir() / "2.ts"));
  for (const char* name : {"3.ts", "4.ts"}) {
    const HlsSegment* s = snap->find(name);
    ASSERT_NE(s, nullptr);
    const std::string body = read(dir() / name);
    EXPECT_EQ(body, std::string(reinterpret_cast<const char*>(s->data.data()), s->data.size()));
  }
}

}  // namespace
}  // namespace firstmile::hls
