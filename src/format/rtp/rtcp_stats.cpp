#include "format/rtp/rtcp_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace firstmile::format::rtp {

uint64_t to_ntp(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<nanoseconds>(time.time_since_epoch());
  const auto whole = floor<seconds>(since_epoch);
  const uint64_t nanos = static_cast<uint64_t>((since_epoch - whole).count());  // 0 to 1e9-1
  const uint64_t ntp_seconds = static_cast<uint64_t>(whole.count()) + kNtpUnixEpochSeconds;
  const uint64_t fraction = ((nanos << 32) + 500'000'000) / 1'000'000'000;
  return (ntp_seconds << 32) + fraction;  // wraps into the 32-bit seconds, era by era
}

std::chrono::system_clock::time_point from_ntp(uint64_t ntp) {
  using namespace std::chrono;
  int64_t seconds = static_cast<int64_t>(ntp >> 32);
  if (!(seconds & 0x80000000)) seconds += int64_t{1} << 32;  // era 1, from 2036
  const uint64_t fraction = ntp & 0xFFFFFFFF;
  const int64_t nanos = static_cast<int64_t>((fraction * 1'000'000'000 + (1ull << 31)) >> 32);
  const auto since_epoch =
      nanoseconds(seconds - static_cast<int64_t>(kNtpUnixEpochSeconds)) * 1'000'000'000 +
      nanoseconds(nanos);
  return system_clock::time_point(duration_cast<system_clock::duration>(since_epoch));
}

double ntp_to_seconds(uint64_t ntp) {
  return static_cast<double>(ntp >> 32) + static_cast<double>(ntp & 0xFFFFFFFF) / 4294967296.0;
}

uint64_t seconds_to_ntp(double seconds) {
  if (!(seconds > 0)) return 0;  // NaN too
  if (seconds >= 4294967296.0) return std::numeric_limits<uint64_t>::max();
  const double scaled = std::round(seconds * 4294967296.0);
  if (scaled >= 18446744073709551616.0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(scaled);
}

uint32_t to_compact_ntp(std::chrono::nanoseconds duration) {
  const int64_t nanos = duration.count();
  if (nanos <= 0) return 0;
  if (nanos >= int64_t{65536} * 1'000'000'000) return 0xFFFFFFFF;
  const uint64_t units = (static_cast<uint64_t>(nanos) * 65536 + 500'000'000) / 1'000'000'000;
  return static_cast<uint32_t>(std::min<uint64_t>(units, 0xFFFFFFFF));
}

std::chrono::nanoseconds from_compact_ntp(uint32_t compact) {
  return std::chrono::nanoseconds((uint64_t{compact} * 1'000'000'000 + 32768) >> 16);
}

std::optional<std::chrono::nanoseconds> round_trip_time(const ReportBlock& block,
                                                        uint32_t arrival) {
  if (block.last_sr == 0) return std::nullopt;
  const int64_t units = static_cast<int64_t>(static_cast<uint32_t>(arrival - block.last_sr)) -
                        static_cast<int64_t>(block.delay_since_last_sr);
  return units <= 0 ? std::chrono::nanoseconds(0) : from_compact_ntp(static_cast<uint32_t>(units));
}

// RFC 3550 A.1 without its probation for new sources: the SSRC comes from signalling (SDP,
// SETUP), so the first packet is taken as the start.
void ReceptionStats::restart(uint64_t sequence) {
  started_ = true;
  base_ = highest_ = sequence;
  first_cycle_ = sequence & ~uint64_t{0xFFFF};
  probation_.reset();
  received_ = expected_prior_ = received_prior_ = 0;
  has_transit_ = false;
}

void ReceptionStats::on_packet(uint64_t sequence, uint32_t rtp_timestamp, uint32_t arrival) {
  // A.1's MAX_DROPOUT and MAX_MISORDER: a jump further than these is taken as the source
  // restarting its sequence numbers only once the next packet follows on from it.
  constexpr uint64_t kMaxDropout = 3000;
  constexpr uint64_t kMaxMisorder = 100;
  const bool jumped = started_ && (sequence > highest_ ? sequence - highest_ >= kMaxDropout
                                                       : highest_ - sequence > kMaxMisorder);
  if (!started_) {
    restart(sequence);
  } else if (jumped) {
    if (probation_ != sequence) {
      probation_ = sequence + 1;
      return;
    }
    restart(sequence);
  } else if (sequence > highest_) {
    highest_ = sequence;
  } else if (sequence < base_) {
    base_ = sequence;  // reordered before the first packet: it was expected too
  }
  ++received_;  // duplicates count too (A.3), so the loss may go negative

  // A.8: J += (|D| - J) / 16, in integers with J scaled by 16. Transit times differ by a
  // constant offset from the real ones, which the difference D cancels.
  const uint32_t transit = arrival - rtp_timestamp;
  if (has_transit_) {
    const int64_t d = std::abs(static_cast<int64_t>(static_cast<int32_t>(transit - transit_)));
    jitter_x16_ += d - ((jitter_x16_ + 8) >> 4);
  }
  transit_ = transit;
  has_transit_ = true;
}

void ReceptionStats::on_sender_report(uint64_t ntp_timestamp,
                                      std::chrono::steady_clock::time_point arrival) {
  last_sr_ = compact_ntp(ntp_timestamp);
  last_sr_arrival_ = arrival;
}

int64_t ReceptionStats::cumulative_lost() const {
  if (!started_) return 0;
  return static_cast<int64_t>(highest_ - base_ + 1) - static_cast<int64_t>(received_);
}

uint32_t ReceptionStats::jitter() const {
  return static_cast<uint32_t>(std::min<int64_t>(jitter_x16_ >> 4, 0xFFFFFFFF));
}

std::optional<ReportBlock> ReceptionStats::report(std::chrono::steady_clock::time_point now) {
  if (!started_) return std::nullopt;
  ReportBlock b;
  b.ssrc = ssrc_;
  // A.3.
  const uint64_t expected = highest_ - base_ + 1;
  const int64_t expected_interval = static_cast<int64_t>(expected - expected_prior_);
  const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
  const int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = expected;
  received_prior_ = received_;
  if (expected_interval > 0 && lost_interval > 0) {
    b.fraction_lost =
        static_cast<uint8_t>(std::min<int64_t>((lost_interval << 8) / expected_interval, 255));
  }
  b.cumulative_lost = static_cast<int32_t>(
      std::clamp<int64_t>(cumulative_lost(), kMinCumulativeLost, kMaxCumulativeLost));
  b.extended_highest_sequence = static_cast<uint32_t>(highest_ - first_cycle_);
  b.jitter = jitter();
  if (last_sr_arrival_) {
    b.last_sr = last_sr_;
    b.delay_since_last_sr = to_compact_ntp(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - *last_sr_arrival_));
  }
  return b;
}

}  // namespace firstmile::format::rtp
