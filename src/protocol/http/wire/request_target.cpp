#include "protocol/http/wire/request_target.hpp"

#include <boost/url/parse.hpp>

namespace firstmile::http {

std::optional<std::vector<std::string>> path_segments(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  std::vector<std::string> out;
  for (auto seg : url->segments())
    out.push_back(std::string(seg));
  if (!out.empty() && out.back().empty()) out.pop_back();  // trailing slash
  return out;
}

}  // namespace firstmile::http
