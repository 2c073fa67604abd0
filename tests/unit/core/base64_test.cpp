#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace firstmile {
namespace {

std::string text_of(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

TEST(Base64, Rfc4648Vectors) {
  // RFC 4648 section 10.
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(text_of(*decoded), plain);
  }
}

TEST(Base64, ParameterSetsAsCamerasSendThem) {
  // An H.264 SPS from an sprop-parameter-sets value: 67 42 c0 1e ...
  auto sps = base64_decode("Z0LAHtkDxWhAAAADAEAAAAwDxYuS");
  ASSERT_TRUE(sps);
  EXPECT_EQ((*sps)[0], 0x67);
  EXPECT_EQ((*sps)[1], 0x42);
  EXPECT_EQ(sps->size(), 21u);
  // Padding left out: "aM48gA==" written as "aM48gA".
  auto pps = base64_decode("aM48gA");
  ASSERT_TRUE(pps);
  EXPECT_EQ(*pps, (Bytes{0x68, 0xce, 0x3c, 0x80}));
}

TEST(Base64, BinaryRoundTrip) {
  Bytes all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<uint8_t>(i));
  for (size_t n = 0; n <= all.size(); n += 37) {
    ByteSpan part(all.data(), n);
    auto back = base64_decode(base64_encode(part));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, Bytes(part.begin(), part.end()));
  }
}

TEST(Base64, RefusesWhatIsNotBase64) {
  EXPECT_FALSE(base64_decode("Zm9v YmFy"));  // whitespace
  EXPECT_FALSE(base64_decode("Zm9v\n"));
  EXPECT_FALSE(base64_decode("Zm=v"));    // '=' inside
  EXPECT_FALSE(base64_decode("Zg="));     // padding that does not fill the quantum
  EXPECT_FALSE(base64_decode("Zg==="));   // three '='
  EXPECT_FALSE(base64_decode("Z"));       // 6 bits
  EXPECT_FALSE(base64_decode("Zm9vY"));   // 6 bits after a quantum
  EXPECT_FALSE(base64_decode("Zm9v-_"));  // the URL alphabet is not this one
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4)));
}

}  // namespace
}  // namespace firstmile
