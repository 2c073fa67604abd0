#pragma once
// The NAL unit types the H.264 and H.265 RTP payload formats define or handle specially:
// RFC 6184 5.4 table 1 and 5.7-5.8; RFC 7798 4.4. Shared by the depacketizer and the packetizer.
#include <cstdint>

namespace firstmile::format::rtp::nal_type {

constexpr uint8_t kH264Aud = 9;
constexpr uint8_t kH264StapA = 24;
constexpr uint8_t kH264StapB = 25;
constexpr uint8_t kH264Mtap16 = 26;
constexpr uint8_t kH264Mtap24 = 27;
constexpr uint8_t kH264FuA = 28;
constexpr uint8_t kH264FuB = 29;
constexpr uint8_t kH265Aud = 35;
constexpr uint8_t kH265Ap = 48;
constexpr uint8_t kH265Fu = 49;
constexpr uint8_t kH265Paci = 50;

}  // namespace firstmile::format::rtp::nal_type
