#include "output/hls/playlist.hpp"

#include <gtest/gtest.h>

#include <string>

namespace firstmile::hls {
namespace {

PlaylistEntry entry(uint64_t seq, double duration, bool discontinuity = false) {
  return {seq, std::to_string(seq) + ".ts", duration, discontinuity};
}

TEST(MediaPlaylist, FirstSegments) {
  MediaPlaylist p(6, 2);
  p.add(entry(0, 2.0));
  p.add(entry(1, 2.0333));
  EXPECT_EQ(p.render(),
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\n"
            "0.ts\n"
            "#EXTINF:2.033,\n"
            "1.ts\n");
}

TEST(MediaPlaylist, SlidingWindow) {
  MediaPlaylist p(3, 2);
  for (uint64_t i = 0; i < 5; ++i)
    p.add(entry(i, 2.0));
  EXPECT_EQ(p.media_sequence(), 2u);
  EXPECT_EQ(p.render(),
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:2\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\n"
            "2.ts\n"
            "#EXTINF:2.000,\n"
            "3.ts\n"
            "#EXTINF:2.000,\n"
            "4.ts\n");
}

TEST(MediaPlaylist, DiscontinuitySequenceCountsTagsThatSlidOut) {
  MediaPlaylist p(2, 2);
  p.add(entry(10, 2.0));
  p.add(entry(11, 1.5, true));  // reconnect
  EXPECT_EQ(p.render(),
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:10\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\n"
            "10.ts\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXTINF:1.500,\n"
            "11.ts\n");
  // Removing an untagged segment leaves the count; the tagged one stays tagged while listed.
  p.add(entry(12, 2.0, true));
  EXPECT_EQ(p.discontinuity_sequence(), 0u);
  EXPECT_EQ(p.render(),
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:11\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXTINF:1.500,\n"
            "11.ts\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXTINF:2.000,\n"
            "12.ts\n");
  // RFC 8216 6.2.2: each tagged segment leaving the playlist increments the sequence.
  p.add(entry(13, 2.0));
  EXPECT_EQ(p.discontinuity_sequence(), 1u);
  p.add(entry(14, 2.0));
  EXPECT_EQ(p.discontinuity_sequence(), 2u);
  EXPECT_EQ(p.render(),
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:13\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:2\n"
            "#EXTINF:2.000,\n"
            "13.ts\n"
            "#EXTINF:2.000,\n"
            "14.ts\n");
}

TEST(MediaPlaylist, EndedAndResumed) {
  MediaPlaylist p(6, 2);
  p.add(entry(0, 2.0));
  p.add(entry(1, 0.967));
  p.set_ended(true);
  EXPECT_EQ(p.render(),
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\n"
            "0.ts\n"
            "#EXTINF:0.967,\n"
            "1.ts\n"
            "#EXT-X-ENDLIST\n");
  p.set_ended(false);
  EXPECT_EQ(p.render().find("ENDLIST"), std::string::npos);
}

TEST(MediaPlaylist, TargetDurationCoversRoundedExtinfAndNeverShrinks) {
  MediaPlaylist p(2, 2);
  p.add(entry(0, 2.4));
  EXPECT_EQ(p.target_duration(), 2u);  // 2.4 rounds to 2
  // Written "2.500", which a client rounds to 3 (RFC 8216 4.3.3.1), although the double is
  // just below 2.5.
  p.add(entry(1, 2.4996));
  EXPECT_EQ(p.target_duration(), 3u);
  p.add(entry(2, 10.0));  // a forced cut
  p.add(entry(3, 2.0));
  p.add(entry(4, 2.0));
  // The 10 s segment has left the window, but the announced value stays (RFC 8216 6.2.1).
  EXPECT_EQ(p.target_duration(), 10u);
  EXPECT_NE(p.render().find("#EXT-X-TARGETDURATION:10\n"), std::string::npos);
}

TEST(MediaPlaylist, DurationFormatting) {
  EXPECT_EQ(duration_ms(0.0005), 1);
  EXPECT_EQ(duration_ms(-1), 0);
  EXPECT_EQ(rounded_extinf(0.4), 0u);
  EXPECT_EQ(rounded_extinf(6.5), 7u);
  MediaPlaylist p(1, 0);  // a target of 0 is raised to 1
  p.add(entry(7, 12.3456));
  EXPECT_NE(p.render().find("#EXT-X-TARGETDURATION:12\n#EXT-X-MEDIA-SEQUENCE:7\n"),
            std::string::npos);
  EXPECT_NE(p.render().find("#EXTINF:12.346,\n7.ts\n"), std::string::npos);
  MediaPlaylist q(1, 0);
  EXPECT_EQ(q.target_duration(), 1u);
}

}  // namespace
}  // namespace firstmile::hls
