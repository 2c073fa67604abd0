#include "output/record/mp4_finalize.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "format/fmp4/box_writer.hpp"
#include "format/fmp4/progressive.hpp"

namespace firstmile::record {

namespace {

using format::box_type;

constexpr uint64_t kMaxMoovSize = 16 << 20;  // an init movie is a few hundred bytes
constexpr uint64_t kMaxMoofSize = 64 << 20;  // a fragment of a second holds a few hundred samples

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

bool read_at(std::FILE* f, uint64_t offset, void* out, size_t n) {
  if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0) return false;
  return std::fread(out, 1, n, f) == n;
}

}  // namespace

std::string os_error(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

Result<FragmentedMp4> index_fragmented_mp4(const std::filesystem::path& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return fail(os_error("open"));
  if (fseeko(f.get(), 0, SEEK_END) != 0) return fail(os_error("seek"));
  FragmentedMp4 out;
  out.file_size = static_cast<uint64_t>(ftello(f.get()));

  bool have_movie = false;
  uint64_t pos = 0;
  while (pos + 8 <= out.file_size) {
    uint8_t head[16];
    const size_t n = static_cast<size_t>(std::min<uint64_t>(16, out.file_size - pos));
    if (!read_at(f.get(), pos, head, n)) return fail(os_error("read"));
    auto h = format::read_box_header(ByteSpan(head, n));
    if (!h) break;  // a header cut short: the end of what was written
    const uint64_t size = h->size == 0 ? out.file_size - pos : h->size;
    if (size > out.file_size - pos) break;  // a box cut short
    if (h->type == box_type("moov")) {
      if (size > kMaxMoovSize) return fail("moov of ", size, " bytes");
      Bytes body(size - h->header_size);
      if (!read_at(f.get(), pos + h->header_size, body.data(), body.size()))
        return fail(os_error("read"));
      auto tracks = format::parse_movie(body);
      if (!tracks) return wrap("moov", tracks.error());
      out.tracks = std::move(*tracks);
      have_movie = true;
      out.complete_size = pos + size;
    } else if (h->type == box_type("moof")) {
      if (!have_movie) return fail("a fragment before the moov");
      if (size > kMaxMoofSize) return fail("moof of ", size, " bytes");
      Bytes body(size - h->header_size);
      if (!read_at(f.get(), pos + h->header_size, body.data(), body.size()))
        return fail(os_error("read"));
      auto frag = format::parse_moof(body);
      if (!frag) return wrap("moof", frag.error());
      // The mdat that follows, whole, or the fragment was not finished.
      const uint64_t mdat_at = pos + size;
      if (mdat_at + 8 > out.file_size) break;
      uint8_t mhead[16];
      const size_t mn = static_cast<size_t>(std::min<uint64_t>(16, out.file_size - mdat_at));
      if (!read_at(f.get(), mdat_at, mhead, mn)) return fail(os_error("read"));
      auto mh = format::read_box_header(ByteSpan(mhead, mn));
      if (!mh || mh->type != box_type("mdat")) break;
      const uint64_t mdat_size = mh->size == 0 ? out.file_size - mdat_at : mh->size;
      if (mdat_size > out.file_size - mdat_at) break;
      FragmentIndex index;
      index.payload_offset = mdat_at + mh->header_size;
      index.payload_size = mdat_size - mh->header_size;
      for (auto& run : frag->runs) {
        run.data_offset += pos;
        uint64_t bytes = 0;
        for (const auto& s : run.samples)
          bytes += s.size;
        if (run.data_offset < index.payload_offset ||
            run.data_offset + bytes > index.payload_offset + index.payload_size)
          return fail("a run's samples lie outside its mdat");
      }
      index.runs = std::move(frag->runs);
      out.fragments.push_back(std::move(index));
      pos = mdat_at + mdat_size;
      out.complete_size = pos;
      continue;
    } else if (!have_movie && h->type != box_type("ftyp") && h->type != box_type("free")) {
      return fail("not a fragmented MP4");
    }
    pos += size;
  }
  if (!have_movie) return fail("no moov");
  return out;
}

bool looks_fragmented(const std::filesystem::path& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return false;
  uint64_t pos = 0;
  for (int i = 0; i < 8; ++i) {
    uint8_t head[16];
    if (fseeko(f.get(), static_cast<off_t>(pos), SEEK_SET) != 0) return false;
    const size_t n = std::fread(head, 1, sizeof head, f.get());
    auto h = format::read_box_header(ByteSpan(head, n));
    if (!h || h->size == 0) return false;
    if (h->type == box_type("moof")) return true;
    if (h->type == box_type("mdat")) return false;
    pos += h->size;
  }
  return false;
}

Result<FinalizedMp4> finalize_mp4(const std::filesystem::path& path) {
  auto index = index_fragmented_mp4(path);
  if (!index) return index.error();

  // The tracks' samples in file order; each run is one chunk of the new mdat, whose payload is
  // the fragments' payloads one after another.
  std::vector<format::ProgressiveTrack> tracks;
  std::map<uint32_t, size_t> by_id;
  for (const auto& t : index->tracks) {
    by_id[t.track_id] = tracks.size();
    format::ProgressiveTrack track;
    track.header = t;
    tracks.push_back(std::move(track));
  }
  std::vector<uint64_t> next_decode(tracks.size(), 0);  // after the last sample so far
  std::vector<bool> started(tracks.size(), false);
  uint64_t payload = 0;
  for (const auto& frag : index->fragments) {
    for (const auto& run : frag.runs) {
      auto it = by_id.find(run.track_id);
      if (it == by_id.end() || run.samples.empty()) continue;
      const size_t ti = it->second;
      format::ProgressiveTrack& t = tracks[ti];
      if (!started[ti]) {
        t.start = run.decode_time;
        started[ti] = true;
      } else if (!t.samples.empty() &&
                 run.decode_time > next_decode[ti] - t.samples.back().duration) {
        // A run's last sample had to guess its duration; the next run's decode time says it.
        const uint64_t last_start = next_decode[ti] - t.samples.back().duration;
        const uint64_t real = run.decode_time - last_start;
        if (real <= UINT32_MAX) t.samples.back().duration = static_cast<uint32_t>(real);
      }
      t.chunks.push_back({.offset = payload + (run.data_offset - frag.payload_offset),
                          .samples = static_cast<uint32_t>(run.samples.size())});
      uint64_t decode = run.decode_time;
      for (const auto& s : run.samples) {
        t.samples.push_back({.duration = s.duration,
                             .size = s.size,
                             .composition_offset = s.composition_offset,
                             .sync = s.sync()});
        decode += s.duration;
      }
      next_decode[ti] = decode;
    }
    payload += frag.payload_size;
  }
  bool any = false;
  for (const auto& t : tracks)
    any = any || !t.samples.empty();
  if (!any) return fail("no complete fragment");

  const Bytes header = format::progressive_header(tracks, payload);
  const std::filesystem::path tmp = path.string() + ".tmp";
  File in(std::fopen(path.c_str(), "rb"));
  if (!in) return fail(os_error("open"));
  File out(std::fopen(tmp.c_str(), "wb"));
  if (!out) return fail(os_error("create"));
  auto abandon = [&](const std::string& why) -> Error {
    out.reset();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return fail(why);
  };
  if (std::fwrite(header.data(), 1, header.size(), out.get()) != header.size())
    return abandon(os_error("write"));
  std::vector<uint8_t> buffer(1 << 20);
  for (const auto& frag : index->fragments) {
    if (fseeko(in.get(), static_cast<off_t>(frag.payload_offset), SEEK_SET) != 0)
      return abandon(os_error("seek"));
    uint64_t left = frag.payload_size;
    while (left > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
      if (std::fread(buffer.data(), 1, n, in.get()) != n) return abandon(os_error("read"));
      if (std::fwrite(buffer.data(), 1, n, out.get()) != n) return abandon(os_error("write"));
      left -= n;
    }
  }
  if (std::fflush(out.get()) != 0 || ::fdatasync(fileno(out.get())) != 0)
    return abandon(os_error("sync"));
  out.reset();
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return abandon("rename: " + ec.message());
  // The rename itself reaches the disk with the directory.
  if (int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }

  FinalizedMp4 done;
  done.size = header.size() + payload;
  done.fragments = index->fragments.size();
  done.dropped_bytes = index->file_size - index->complete_size;
  for (const auto& t : tracks) {
    if (t.samples.empty()) continue;
    uint64_t d = 0;
    for (const auto& s : t.samples)
      d += s.duration;
    done.duration = std::max(done.duration, static_cast<double>(d) / t.header.timescale);
  }
  return done;
}

}  // namespace firstmile::record
