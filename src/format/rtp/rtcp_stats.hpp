#pragma once
// The times and statistics of RTCP reports: the NTP timestamps sender reports carry (RFC 3550
// 4) and the compact form LSR and DLSR use, the round trip time a report block gives (6.4.1),
// and a receiver's statistics for one source, which make its report blocks (RFC 3550 A.1, A.3,
// A.8). The packets themselves are in rtcp.hpp.
#include <chrono>
#include <cstdint>
#include <optional>

#include "format/rtp/rtcp.hpp"

namespace firstmile::format::rtp {

// NTP timestamps (RFC 3550 4): seconds since 1900-01-01 in the high 32 bits, the fraction in
// the low 32. Of the 32-bit seconds' two eras, the one with the top bit clear is taken as after
// 2036-02-07 (RFC 4330 3), so times from 1968 to 2104 convert.
constexpr uint64_t kNtpUnixEpochSeconds = 2208988800;  // 1970-01-01 in NTP seconds

uint64_t to_ntp(std::chrono::system_clock::time_point time);
std::chrono::system_clock::time_point from_ntp(uint64_t ntp);
// Seconds since the NTP epoch as a double, and back, without the era rule; seconds_to_ntp()
// clamps a negative or NaN value to 0 and one past 2^32 s to the maximum.
double ntp_to_seconds(uint64_t ntp);
uint64_t seconds_to_ntp(double seconds);

// The middle 32 bits (16.16 fixed point) that LSR, DLSR and round trip times use.
constexpr uint32_t compact_ntp(uint64_t ntp) {
  return static_cast<uint32_t>(ntp >> 16);
}
// A duration in 1/65536 s, clamped to 0 and 0xFFFFFFFF (DLSR's range).
uint32_t to_compact_ntp(std::chrono::nanoseconds duration);
std::chrono::nanoseconds from_compact_ntp(uint32_t compact);

// The round trip time from a report block about one of our streams, received at compact NTP
// time `arrival` (RFC 3550 6.4.1: A - LSR - DLSR); nullopt when the block has no LSR. A result
// below zero (clocks stepping) reads as zero.
std::optional<std::chrono::nanoseconds> round_trip_time(const ReportBlock& block, uint32_t arrival);

// A receiver's statistics for one source, producing its report blocks (RFC 3550 A.1, A.3, A.8).
// Feed every RTP packet received from the source, retransmissions excepted.
class ReceptionStats {
 public:
  explicit ReceptionStats(uint32_t ssrc) : ssrc_(ssrc) {}

  // `sequence` is the extended sequence number (SequenceUnwrapper's); `arrival` is the arrival
  // time in the media clock, like the RTP timestamp modulo 2^32 (only differences matter). A
  // jump of 3000 or more ahead, or over 100 behind, is not counted unless the next packet
  // follows on from it: then the source has restarted its numbering and the counts start over.
  void on_packet(uint64_t sequence, uint32_t rtp_timestamp, uint32_t arrival);
  // The source's last sender report: its NTP timestamp, and when it arrived.
  void on_sender_report(uint64_t ntp_timestamp, std::chrono::steady_clock::time_point arrival);
  // The report block as of `now`; the next one's fraction lost counts from here. nullopt before
  // the first packet.
  std::optional<ReportBlock> report(std::chrono::steady_clock::time_point now);

  uint64_t received() const { return received_; }
  int64_t cumulative_lost() const;  // expected minus received, before the 24-bit clamp
  uint32_t jitter() const;

 private:
  void restart(uint64_t sequence);

  uint32_t ssrc_;
  bool started_ = false;
  uint64_t base_ = 0;  // the lowest sequence number counted
  uint64_t highest_ = 0;
  uint64_t first_cycle_ = 0;  // the first packet's multiple of 2^16, so cycles count from 0
  std::optional<uint64_t> probation_;  // the sequence number that confirms a jump (A.1 bad_seq)
  uint64_t received_ = 0;
  uint64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  bool has_transit_ = false;
  uint32_t transit_ = 0;
  int64_t jitter_x16_ = 0;  // A.8's integer form: the jitter scaled by 16
  uint32_t last_sr_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_sr_arrival_;
};

}  // namespace firstmile::format::rtp
