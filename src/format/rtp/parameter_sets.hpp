#pragma once
// H.264 and H.265 parameter sets as SDP carries them: the fmtp parameters sprop-parameter-sets
// (RFC 6184 8.1) and sprop-vps / sprop-sps / sprop-pps (RFC 7798 7.1), comma-separated base64
// NAL units. A camera's in-band parameter sets take over from these when they arrive.
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::format::rtp {

// The NAL units of a comma-separated base64 list. Empty entries are skipped (some cameras end
// the list with a comma); at most 16 units of at most 4 KiB each.
Result<std::vector<Bytes>> parse_sprop_nal_units(std::string_view value);

// The fmtp parameters a server announces for an H.264 track (packetization-mode=1,
// profile-level-id from the first SPS, sprop-parameter-sets), without the "a=fmtp:PT " part.
std::string h264_fmtp(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps);

// The same for H.265: sprop-vps, sprop-sps, sprop-pps.
std::string h265_fmtp(const std::vector<Bytes>& vps, const std::vector<Bytes>& sps,
                      const std::vector<Bytes>& pps);

}  // namespace firstmile::format::rtp
