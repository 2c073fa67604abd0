#pragma once
// The few cryptographic helpers the control plane needs: HMAC-SHA256 (webhook signatures,
// signed playback URLs), SHA-256 (the config hash) and a constant-time comparison for every
// secret a client presents (stream keys, tokens), so response timing does not leak how many
// leading bytes matched.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace firstmile::control {

using Digest = std::array<uint8_t, 32>;

Digest hmac_sha256(std::string_view key, std::string_view message);
Digest sha256(std::string_view data);
// Lowercase hexadecimal.
std::string to_hex(const Digest& digest);
// True when a and b are equal; the time taken depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace firstmile::control
