#include "protocol/http/wire/bearer.hpp"

#include <gtest/gtest.h>

namespace firstmile::http {
namespace {

TEST(Bearer, MatchesTheTokenAsCurlSendsIt) {
  // curl -H "Authorization: Bearer $TOKEN" (and every HTTP client library) sends this form.
  EXPECT_TRUE(bearer_matches("Bearer s3cret-token", "s3cret-token"));
}

TEST(Bearer, AnythingElseDoesNotMatch) {
  EXPECT_FALSE(bearer_matches("Bearer s3cret-toke", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Bearer s3cret-token ", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Bearer  s3cret-token", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Basic czNjcmV0LXRva2Vu", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));  // an empty token never matches
  EXPECT_FALSE(bearer_matches("Bearer x", ""));
}

}  // namespace
}  // namespace firstmile::http
