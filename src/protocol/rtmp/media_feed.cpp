#include "protocol/rtmp/media_feed.hpp"

#include "protocol/rtmp/wire/aggregate_splitter.hpp"

namespace firstmile::rtmp {

Status MediaFeed::feed(const Message& m) {
  if (m.type != msg_type::kAggregate) {
    feed_one(m);
    return Status{};
  }
  AggregateSplitter split(m);
  for (;;) {
    auto sub = split.next();
    if (!sub) return sub.error();
    if (!*sub) return Status{};
    feed_one(**sub);
  }
}

void MediaFeed::feed_one(const Message& m) {
  if (m.type != msg_type::kVideo && m.type != msg_type::kAudio) return;
  auto r = m.type == msg_type::kVideo ? ingest_.video(m.timestamp, m.payload)
                                      : ingest_.audio(m.timestamp, m.payload);
  if (!r) {
    if (on_error) on_error(r.error());
    return;
  }
  if (r->tracks) {
    if (on_tracks) on_tracks(*r->tracks);
    publication_->set_tracks(*r->tracks);
  }
  if (r->frame) publication_->push(std::move(*r->frame));
}

}  // namespace firstmile::rtmp
