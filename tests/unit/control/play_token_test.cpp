#include "control/play_token.hpp"

#include <gtest/gtest.h>

namespace firstmile::control {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123";

format::QueryParams params_of(const std::string& q) {
  return *format::parse_query(q);
}

TEST(PlayToken, SignatureIsHmacOverAppStreamAndExpiry) {
  std::string q = sign_play_query(kSecret, "live", "cam", 1700000000);
  // Computed independently: printf 'live/cam:1700000000' | openssl dgst -sha256 -hmac KEY
  EXPECT_EQ(q,
            "expires=1700000000&token="
            "f77054659da94bec00f4fb2c8d84fa9029694bbf02f6abba6f883687f1711b81");
}

TEST(PlayToken, ValidExpiredTamperedMissing) {
  auto q = params_of(sign_play_query(kSecret, "live", "cam", 2000));
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", q, 1999), TokenCheck::Ok);
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", q, 2000), TokenCheck::Ok);
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", q, 2001), TokenCheck::Expired);
  // Another stream, another secret, a moved expiry: all invalid.
  EXPECT_EQ(check_play_token(kSecret, "live", "cam2", q, 0), TokenCheck::Invalid);
  EXPECT_EQ(check_play_token("other-secret-0123456", "live", "cam", q, 0), TokenCheck::Invalid);
  auto moved = params_of("expires=3000&token=" + std::string(*format::query_value(q, "token")));
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", moved, 0), TokenCheck::Invalid);
  auto flipped = q;
  flipped[1].second[0] = flipped[1].second[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", flipped, 0), TokenCheck::Invalid);
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", params_of("expires=2000"), 0),
            TokenCheck::Missing);
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", {}, 0), TokenCheck::Missing);
  EXPECT_EQ(check_play_token(kSecret, "live", "cam", params_of("expires=x&token=y"), 0),
            TokenCheck::Invalid);
  EXPECT_STREQ(describe(TokenCheck::Expired), "token expired");
}

}  // namespace
}  // namespace firstmile::control
