#pragma once
// Base64 (RFC 4648 section 4), as RTSP carries it: H.264/H.265 parameter sets in SDP
// (sprop-parameter-sets, sprop-vps/sps/pps) and Basic credentials. Decoding reads peer input:
// it never throws and refuses what is not base64.
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace firstmile {

std::string base64_encode(ByteSpan data);

// The bytes `text` encodes, or nullopt for a character outside the alphabet, a length that no
// padding explains, or '=' anywhere but at the end. Padding may be left out, as several
// cameras do in sprop-parameter-sets; whitespace is not accepted.
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace firstmile
