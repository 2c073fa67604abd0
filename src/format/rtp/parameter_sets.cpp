#include "format/rtp/parameter_sets.hpp"

#include <cstdio>

#include "core/base64.hpp"

namespace firstmile::format::rtp {
namespace {

constexpr size_t kMaxUnits = 16;
constexpr size_t kMaxUnitBytes = 4096;

std::string base64_list(const std::vector<Bytes>& units) {
  std::string out;
  for (const auto& u : units) {
    if (!out.empty()) out += ',';
    out += base64_encode(u);
  }
  return out;
}

}  // namespace

Result<std::vector<Bytes>> parse_sprop_nal_units(std::string_view value) {
  std::vector<Bytes> units;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    if (item.empty()) continue;
    if (item.size() > kMaxUnitBytes * 4 / 3 + 4) return fail("a parameter set over 4 KiB");
    auto bytes = base64_decode(item);
    if (!bytes) return fail("a parameter set that is not base64");
    if (bytes->empty()) continue;
    if (units.size() == kMaxUnits) return fail("more than ", kMaxUnits, " parameter sets");
    units.push_back(std::move(*bytes));
  }
  return units;
}

std::string h264_fmtp(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps) {
  std::string out = "packetization-mode=1";
  if (!sps.empty() && sps.front().size() >= 4) {
    // profile_idc, the constraint flags, level_idc: the three bytes after the NAL header.
    char id[7];
    std::snprintf(id, sizeof id, "%02x%02x%02x", sps.front()[1], sps.front()[2], sps.front()[3]);
    out += "; profile-level-id=";
    out += id;
  }
  std::vector<Bytes> all = sps;
  all.insert(all.end(), pps.begin(), pps.end());
  if (!all.empty()) out += "; sprop-parameter-sets=" + base64_list(all);
  return out;
}

std::string h265_fmtp(const std::vector<Bytes>& vps, const std::vector<Bytes>& sps,
                      const std::vector<Bytes>& pps) {
  std::string out;
  auto add = [&](std::string_view name, const std::vector<Bytes>& units) {
    if (units.empty()) return;
    if (!out.empty()) out += "; ";
    out += name;
    out += '=';
    out += base64_list(units);
  };
  add("sprop-vps", vps);
  add("sprop-sps", sps);
  add("sprop-pps", pps);
  return out;
}

}  // namespace firstmile::format::rtp
