#pragma once
// The flag values of movie fragments (ISO/IEC 14496-12 8.8), shared by the muxer that writes
// them and the reader that reads them back. Namespace: firstmile::format.
#include <cstdint>

namespace firstmile::format {

// Sample flags (8.8.3.1): reserved(4) is_leading(2) sample_depends_on(2)
// sample_is_depended_on(2) sample_has_redundancy(2) padding(3) sample_is_non_sync_sample(1)
// degradation_priority(16).
inline constexpr uint32_t kSyncSampleFlags = 0x02000000;     // depends_on = 2: an I picture
inline constexpr uint32_t kNonSyncSampleFlags = 0x01010000;  // depends_on 1, non-sync
inline constexpr uint32_t kNonSyncSampleBit = 0x00010000;

// tfhd (8.8.7).
inline constexpr uint32_t kTfhdBaseDataOffset = 0x000001;
inline constexpr uint32_t kTfhdSampleDescriptionIndex = 0x000002;
inline constexpr uint32_t kTfhdDefaultDuration = 0x000008;
inline constexpr uint32_t kTfhdDefaultSize = 0x000010;
inline constexpr uint32_t kTfhdDefaultFlags = 0x000020;
inline constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;

// trun (8.8.8).
inline constexpr uint32_t kTrunDataOffset = 0x000001;
inline constexpr uint32_t kTrunFirstSampleFlags = 0x000004;
inline constexpr uint32_t kTrunSampleDuration = 0x000100;
inline constexpr uint32_t kTrunSampleSize = 0x000200;
inline constexpr uint32_t kTrunSampleFlags = 0x000400;
inline constexpr uint32_t kTrunCompositionOffsets = 0x000800;

}  // namespace firstmile::format
