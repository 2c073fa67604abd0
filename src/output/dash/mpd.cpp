#include "output/dash/mpd.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

namespace firstmile::dash {

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string decimal_ms(int64_t ms) {
  // Seconds with at most three decimals, trailing zeros dropped.
  std::string out = std::to_string(ms / 1000);
  int64_t frac = ms % 1000;
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(frac));
    std::string f(buf);
    while (f.back() == '0')
      f.pop_back();
    out += f;
  }
  return out;
}

std::string frame_rate_text(double fps) {
  if (fps <= 0) return {};
  const double rounded = std::round(fps);
  if (std::abs(fps - rounded) < 0.005) return std::to_string(static_cast<int>(rounded));
  // NTSC rates (23.976, 29.97, 59.94): 23.5.8 FrameRateType is a fraction.
  const double ntsc = std::round(fps * 1.001);
  if (std::abs(fps - ntsc / 1.001) < 0.005)
    return std::to_string(static_cast<int>(ntsc) * 1000) + "/1001";
  return std::to_string(static_cast<int>(std::round(fps * 1000))) + "/1000";
}

// One S element's worth: a complete segment, or the open one with its expected duration.
struct Entry {
  uint64_t number = 0;
  int64_t start = 0;
  int64_t duration = 0;
};

struct Listed {
  const DashRepresentation* rep = nullptr;
  std::vector<Entry> segments;
  size_t complete = 0;  // the first `complete` entries are complete segments
};

// The `window` newest complete segments of one representation kind, across Periods: the
// smallest number listed.
uint64_t window_start(const DashSnapshot& snap, bool video) {
  size_t left = snap.window;
  uint64_t first = 0;
  for (auto it = snap.periods.rbegin(); it != snap.periods.rend() && left > 0; ++it) {
    const auto& rep = video ? it->video : it->audio;
    if (!rep) continue;
    for (auto s = rep->segments.rbegin(); s != rep->segments.rend() && left > 0; ++s, --left)
      first = s->number;
  }
  return first;
}

void render_timeline(std::string& out, const std::vector<Entry>& segs) {
  out += "        <SegmentTimeline>\n";
  // 5.3.9.6: S@t is given where the timeline starts or jumps; S@r repeats equal durations.
  int64_t expected = -1;
  for (size_t i = 0; i < segs.size();) {
    size_t j = i + 1;
    while (j < segs.size() && segs[j].duration == segs[i].duration &&
           segs[j].start == segs[j - 1].start + segs[j - 1].duration) {
      ++j;
    }
    out += "          <S";
    if (segs[i].start != expected) out += " t=\"" + std::to_string(segs[i].start) + "\"";
    out += " d=\"" + std::to_string(segs[i].duration) + "\"";
    if (j - i > 1) out += " r=\"" + std::to_string(j - i - 1) + "\"";
    out += "/>\n";
    expected = segs[j - 1].start + segs[j - 1].duration;
    i = j;
  }
  out += "        </SegmentTimeline>\n";
}

void render_adaptation_set(std::string& out, const DashSnapshot& snap, const Listed& l,
                           const std::string& query, int id) {
  const auto& r = *l.rep;
  const bool video = r.id == "v";
  out += "    <AdaptationSet id=\"" + std::to_string(id) + "\" contentType=\"" +
         (video ? "video" : "audio") + "\" mimeType=\"" + (video ? "video/mp4" : "audio/mp4") +
         "\" segmentAlignment=\"true\" startWithSAP=\"1\">\n";
  const std::string q = query.empty() ? std::string() : "?" + xml_escape(query);
  // The names start with the stream instance's prefix: immutable, cacheable files.
  out += "      <SegmentTemplate timescale=\"" + std::to_string(r.timescale) +
         "\" presentationTimeOffset=\"" + std::to_string(r.presentation_time_offset) +
         "\" initialization=\"dash/" + xml_escape(r.init_name) + q + "\" media=\"dash/" +
         xml_escape(snap.name_prefix) + "$RepresentationID$-$Number$.m4s" + q +
         "\" startNumber=\"" + std::to_string(l.segments.front().number) + "\"";
  if (snap.low_latency) {
    // DASH-IF IOP LL-DASH (Low-latency Modes for DASH, 9.X.4.3): a segment's first chunk is
    // available availabilityTimeOffset = segment duration - chunk duration before its end, and
    // availabilityTimeComplete="false" says the segment is delivered chunk by chunk. The last S
    // element is the segment in progress (below), so the offset makes it requestable one chunk
    // after it starts.
    const int64_t ato_ms =
        std::max<int64_t>(0, std::llround((snap.segment_duration - snap.chunk_duration) * 1000));
    out +=
        " availabilityTimeOffset=\"" + decimal_ms(ato_ms) + "\" availabilityTimeComplete=\"false\"";
  }
  out += ">\n";
  render_timeline(out, l.segments);
  out += "      </SegmentTemplate>\n";
  out += "      <Representation id=\"" + r.id + "\" codecs=\"" + xml_escape(r.info.codec_string) +
         "\" bandwidth=\"" + std::to_string(std::max<uint64_t>(r.bandwidth, 1)) + "\"";
  if (video) {
    if (r.info.width && r.info.height) {
      out += " width=\"" + std::to_string(r.info.width) + "\" height=\"" +
             std::to_string(r.info.height) + "\" sar=\"1:1\"";
    }
    auto fps = frame_rate_text(r.info.frame_rate);
    if (!fps.empty()) out += " frameRate=\"" + fps + "\"";
    out += "/>\n";
  } else {
    out += " audioSamplingRate=\"" + std::to_string(r.info.sample_rate) + "\">\n";
    // 5.8.5.4 (23003-3 channel configuration scheme): the channel count.
    out +=
        "        <AudioChannelConfiguration "
        "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"" +
        std::to_string(r.info.channels) + "\"/>\n";
    out += "      </Representation>\n";
  }
  out += "    </AdaptationSet>\n";
}

}  // namespace

std::string iso_time(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[128];  // room for any int the format could print (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

std::string iso_duration(int64_t ms) {
  return "PT" + decimal_ms(std::max<int64_t>(ms, 0)) + "S";
}

std::string render_mpd(const DashSnapshot& snap, const MpdUrls& urls) {
  if (!snap.playable()) return {};
  const uint64_t first_video = window_start(snap, true);
  const uint64_t first_audio = window_start(snap, false);

  struct PeriodOut {
    const DashPeriod* period;
    Listed video, audio;
  };
  std::vector<PeriodOut> periods;
  int64_t max_segment_ms = 0;
  for (const auto& p : snap.periods) {
    PeriodOut po{&p, {}, {}};
    auto pick = [&](const std::optional<DashRepresentation>& rep, uint64_t first, Listed& l) {
      if (!rep) return;
      l.rep = &*rep;
      auto add = [&](uint64_t number, int64_t start, int64_t duration) {
        l.segments.push_back(Entry{number, start, duration});
        max_segment_ms = std::max<int64_t>(max_segment_ms,
                                           (duration * 1000 + rep->timescale - 1) / rep->timescale);
      };
      for (const auto& s : rep->segments)
        if (s.number >= first) add(s.number, s.start, s.duration);
      l.complete = l.segments.size();
      // Low latency: the segment in progress is listed too, with the duration it is expected to
      // end with (DASH-IF IOP low-latency modes, SegmentTimeline: the MPD announces a segment
      // once its first chunk can be requested). Players that fetch only what the timeline lists
      // (dash.js, Shaka) then request it while it is made and get its chunks as they come,
      // instead of starting a whole segment behind. It must continue the listed timeline.
      const auto& open = rep->open;
      if (snap.low_latency && !p.closed && open && open->expected_duration > 0 &&
          (l.segments.empty() ||
           (l.segments.back().number + 1 == open->number &&
            l.segments.back().start + l.segments.back().duration == open->start))) {
        add(open->number, open->start, open->expected_duration);
      }
    };
    pick(p.video, first_video, po.video);
    pick(p.audio, first_audio, po.audio);
    // An open Period is listed once every representation has a segment (the other one follows
    // within a frame), so players never see it without audio or video.
    const bool complete =
        (!p.video || po.video.complete > 0) && (!p.audio || po.audio.complete > 0);
    const bool any = po.video.complete > 0 || po.audio.complete > 0;
    if (any && (complete || p.closed)) periods.push_back(std::move(po));
  }
  if (periods.empty()) return {};

  const int64_t seg_ms = std::llround(snap.segment_duration * 1000);
  const int64_t chunk_ms = std::llround(snap.chunk_duration * 1000);
  // How far behind the live edge players should play. Low latency: the segment in progress is
  // listed and streamed chunk by chunk, so what a player lacks at worst is the chunk being made
  // (its frames leave the server when it closes, one chunk after its first frame) plus an MPD
  // reload (every chunk) when a segment starts: three chunks and a quarter second of network and
  // decoding keep it fed, never more than the two segments a player of complete segments needs.
  // Otherwise whole segments only: three.
  const int64_t delay_ms =
      snap.low_latency ? std::min(3 * chunk_ms + 250, 2 * seg_ms + chunk_ms) : 3 * seg_ms;

  std::string out;
  out.reserve(4096);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out +=
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
      "profiles=\"urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019\" "
      "type=\"dynamic\"";
  out += " availabilityStartTime=\"" + iso_time(snap.availability_start_ms) + "\"";
  out += " publishTime=\"" + iso_time(snap.publish_ms) + "\"";
  if (snap.ended) {
    // DASH-IF IOP 4.4.3.1 / Timing Model 13.x: an ended live presentation stays dynamic, gets
    // MPD@mediaPresentationDuration and loses MPD@minimumUpdatePeriod (no further updates).
    const auto& last = *periods.back().period;
    out += " mediaPresentationDuration=\"" + iso_duration(last.start_ms + last.duration_ms) + "\"";
  } else {
    // 5.4.1: players reload at most this often. Low latency: every chunk, so a segment is seen
    // soon after it completes.
    out += " minimumUpdatePeriod=\"" + iso_duration(snap.low_latency ? chunk_ms : seg_ms) + "\"";
  }
  out +=
      " timeShiftBufferDepth=\"" + iso_duration(static_cast<int64_t>(snap.window) * seg_ms) + "\"";
  out += " suggestedPresentationDelay=\"" + iso_duration(delay_ms) + "\"";
  out += " maxSegmentDuration=\"" + iso_duration(max_segment_ms) + "\"";
  out += " minBufferTime=\"" + iso_duration(seg_ms) + "\">\n";
  if (snap.low_latency) {
    // 23009-1 K.4 ServiceDescription: the latency target dash.js's catch-up aims for.
    // min: a chunk and a half (less starves the player at every chunk boundary).
    out += "  <ServiceDescription id=\"0\">\n    <Latency target=\"" + std::to_string(delay_ms) +
           "\" max=\"" + std::to_string(delay_ms + 2 * seg_ms) + "\" min=\"" +
           std::to_string(std::min(delay_ms, chunk_ms * 3 / 2)) + "\"/>\n  </ServiceDescription>\n";
  }
  for (const auto& po : periods) {
    const auto& p = *po.period;
    out += "  <Period id=\"p" + std::to_string(p.index) + "\" start=\"" + iso_duration(p.start_ms) +
           "\">\n";
    int id = 0;
    if (po.video.rep && !po.video.segments.empty())
      render_adaptation_set(out, snap, po.video, urls.query, id++);
    if (po.audio.rep && !po.audio.segments.empty())
      render_adaptation_set(out, snap, po.audio, urls.query, id++);
    out += "  </Period>\n";
  }
  // 5.8.5.7: the clock players synchronise with to compute segment availability.
  if (!urls.time_url.empty()) {
    out += "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\"" +
           xml_escape(urls.time_url) + "\"/>\n";
  } else if (!urls.direct_time.empty()) {
    out += "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\"" +
           xml_escape(urls.direct_time) + "\"/>\n";
  }
  out += "</MPD>\n";
  return out;
}

}  // namespace firstmile::dash
