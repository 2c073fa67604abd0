#include "protocol/http/wire/bearer.hpp"

#include "control/crypto.hpp"

namespace firstmile::http {

bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kBearer = "Bearer ";
  return authorization.size() > kBearer.size() &&
         authorization.substr(0, kBearer.size()) == kBearer &&
         control::constant_time_equal(authorization.substr(kBearer.size()), token);
}

}  // namespace firstmile::http
