#pragma once
// Fills a TrackInfo's parsed fields (resolution, profile, level, frame rate, sample rate,
// channels, codec string) from its codec private data.
#include "core/result.hpp"
#include "media/track.hpp"

namespace firstmile::media {

// Parses track.config according to track.codec and fills the descriptive fields. A config that
// does not parse leaves the fields as they were and returns the reason.
Status describe_track(TrackInfo& track);

}  // namespace firstmile::media
