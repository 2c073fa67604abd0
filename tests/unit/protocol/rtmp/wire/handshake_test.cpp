#include "protocol/rtmp/wire/handshake.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <string>
#include <string_view>

namespace firstmile::rtmp {
namespace {

using test::from_hex;

// A deterministic generator (a 32-bit LCG, high byte out). The FFmpeg C2 vector below was
// produced against a server using exactly this generator with seed 12345.
RandomFn lcg(uint32_t seed) {
  return [seed](std::span<uint8_t> out) mutable {
    for (auto& b : out) {
      seed = seed * 1103515245u + 12345u;
      b = static_cast<uint8_t>(seed >> 24);
    }
  };
}

ByteSpan s1_of(const Bytes& s0s1s2) {
  return ByteSpan(s0s1s2).subspan(1, kHandshakeSize);
}
ByteSpan s2_of(const Bytes& s0s1s2) {
  return ByteSpan(s0s1s2).subspan(1 + kHandshakeSize);
}

// C0+C1 sent by FFmpeg 5.1 (`ffmpeg -i rtmp://127.0.0.1:port/live/x`, and identical when
// publishing): version 3, time 0, Flash version 9.0.124.2, digest under scheme 1.
constexpr char kFfmpegC0C1Hex[] =
    "030000000009007c02f778551eceab8e1e362f07c5868a70b266d40220e50861"
    "18a22e3697d5fc2b6329c22ee7c7c9b0b5b345dfa8398fea3bc879208a106842"
    "5aa1174cb57258cfebe24da42ec4ff9da19c7b406f18c95bfdd04ee48b6f8332"
    "14a47b8bf68eb05254e25ae9a9a8b496c5496f6e9cd7c68cb6bcc84169e67f3e"
    "372ffe186da8513862c5afdeb5a1218a860baccdd869b253dbab8a0efb59a48c"
    "442099875e55b74fd07a1b69af303e099873cb77e2d9e2c4741eb1f506a7f0b2"
    "962af91f5051c890a320994f4c8b36a01fa9c0f15f4b7cf7b6c3817da6091861"
    "1d3b02ff7cc94038937537d3382e416bd57577834df9caf748352150ce92d0db"
    "b40e871fc364e18b7e3569e39876c1ae0cb79ff6d7ab32f9f011869c8da4191e"
    "f46d3c1bc6b72d83812f2243d1752a412632d66a2075f5d302f45cdf2b98b802"
    "b79805dc4837d84eded1cc42cba7eec3137bf86dd0b2d7f624d521a3ff655bcf"
    "0df4101341d230e94651628e45a7abf8183101ce981e5e86a6faec5c79aa7ec7"
    "181ea459ed966e0c932a6f9e4bf554ab7b1c905cde054ed40d2fb89bbfc65752"
    "e58cfde4f2a04dc3ad1e5ef4fc64d57b071c14146a451f6a043156d2880f5957"
    "d78dfd3ff2b880f624ac70f27094f37734eaf1924f66ac3d648ae232930544a4"
    "420b65eed4696f7f50fe05fc948516650bfb9b65f953d848e3456965d0d76b62"
    "7a84e35e9ddabd8b43f0fadaee458cdf59ebd773922e0ae507d5e64092e90ec6"
    "7ed8439e8f221c753a9f9216f1cb85b5107bc7cc7c4fb2c3eed1afc709b192f5"
    "0de69c1ffca5650efb523b5fab5997cac4b7ef5af2bf5973e6293bae1fc1da49"
    "9be5515077de4ddb3f7fbcd741711c62b7d803b8d054cf578182714d1c445bd6"
    "92ba1b839a09e7266fc85daa8fad433dabbd206cde1ea571770c6bfa7956c266"
    "ee8435eb01caa6f583c0d83c33eefcf3f97db917bdb299f8a89fb8860ab1cd64"
    "4c1e82cce1323a9eb79d25f5dc570b70b40bb20061743353d0536ecdabd82f22"
    "77756228cb54fe6932c4c9bd130d2bfc700bf5d85da6946e96f82e0afd8e9c20"
    "cfeabf9a6a189bb17bbef539d1d9e73ee966fcb5d6bdbf98444de865be1605e3"
    "4087b34cdf04e3aff55bd4137c522d2e3c7bf2634db326b22a474db7f8a0952a"
    "b3510de555396c18a378a8390b73bff7772fb2760fa5786a3b0459c45a1d1b0d"
    "ff4cbbb65da0ed34f32116c3c2cc2b95825111bcfbb246c1505aa00c970d06d7"
    "6cc950ce368b220db20487cba02bb1fc54b36567b42913d6b885062cd7795601"
    "d31a4a8e6d56467fa5c52162676fd526122513c3e47f2e6d9d6a19c4f8795431"
    "a94ced039221d27ac68a7a770e9305252271459b71d05505c4977b70e9685120"
    "8bacdcdf7e682b3848840880f1fec2a32fb1406862bc83cad89adf729f3ba6ff"
    "d3fe808e8403e7c6a0f6dcda3211898f6f16505b078cc78b80db600ded2f200f"
    "25ff5dcb31d32cbe2056b8bdc31091631abbd2ac28d61fe32480ec5035bbf35f"
    "173393f0d59a21d2300b2db4b59eaa63ffe0f93d65dc028516905f22a9c7dff3"
    "87c4eb78c6300e7ebbb2a6663cfbe5a9977caf5764ba3f0aba57db4e6051e0ae"
    "c6e05b1bdaa649a97875edbc40bcc4214bb7fef72730d4368acbd3e10ab4c764"
    "2a1c53f93ca26db9c766555be26fdff0e2a721425b95762b0b776fd3e3eb1731"
    "3d53129c9f34003c99a5196a8c6aacb6d64b51dd98b27c5b59a70bd941a1ba03"
    "00fb744cfc499d997e6d93392d28a767d116dfbc2cb9eb40540d11eb304ad932"
    "2386fdc597d55d3d1c67bc54df35479afb19ea2cd204dd331efb49c1e172f6bb"
    "89fbf58207dcae6c12f8a7598bef1e872c0c35f22b4c29df10f9bb1add3aeb88"
    "7ab5fb38c036b88346f761c42f295dfe0b437dfb4f30a71276ab7d409ce42496"
    "3f9ebb4f1f47e52b18786f279b5a87226f66981dd6d0ad11f49af31055ff6971"
    "0fda3457c4b7852db2e3936d0778bf879f1734ad3a24ffb1ae9584760b9cb045"
    "2a53ba0962ffe2f605af52830bd211a5488894cc0b052255048711cd198510a9"
    "e943bf8b839198455fbd41073005d303990b88d9b63656d43cfec8ed83748f4b"
    "0f0fc5120216794b22a054e5bc58abd8c41096070884393453ce509694afbeab"
    "e0";

// The C2 that FFmpeg 5.1, playing, answered to server_handshake_response(its C0C1, lcg(12345)).
// FFmpeg as a player checks the S1 digest and the S2 signature before it sends C2 (it sent
// C2 and then its connect command), and derives this C2 from our S1 digest.
constexpr char kFfmpegPlayerC2Hex[] =
    "e25c15c22caf72d0986fbd3eda0d7151973e19083e0abbefa76e17d8a5fa9570"
    "ed547a9786e535612d45228c773e0ebef805ac8764a67552496a3cc3355805f9"
    "9d03606784b05f55361fb4c66e6164f9b882156930ed76e7f27df8ed6ae6c083"
    "7b41413ead7023f2bd2e9dced663c8305cbabc22c3ebba207ea2a8c35ecf7828"
    "dce2633d38c8c2e9decf2553b161a212fc9a962e4490fba31d24a2eba8ebb4a6"
    "0d6cf429142ad26fb656b9f12f4b1c22c0cd65497864dd83f0d03162ddedbc4e"
    "857c0ca391ed2f1e5a64948d096081a114721c0bc8a1635bf27036b8bcc09ed5"
    "b11d85bd547ca361e2d865842d7fe64bc3a29895a97cec5b2d29294f41abc2bc"
    "466cf38d8d00886036bfa45e4bdf484e9e5fe10b024a986e63f2b0e109a3ea42"
    "0e25288bcac6931141f876b57e37f39c8c1bff23b566a7887b18b618ca4ef347"
    "009dd5005e7f413becfd0b26fffe15ec6ec998226e39365626c560cb2413527c"
    "e574c0a436f1b1788ac8bcd8d4e0bed13e7c799673069a7d8249c003b633ec65"
    "87d3e2d7d3f5aa4007149c04ac3df0a348aa8b27c986684afb93870ec5a623ca"
    "d0d074d98cfbc2e1c424229bd020e5cc45548ac4f8938952a4b24cac82a602e9"
    "d8c026480d108915efe0b28d7efcd34e38395b7128cacdbaa83500d408d26ad9"
    "13024d5d9ee2a0938dc31f6abc531f5f5b82ac56afd454b1d429956aae6bb583"
    "6d76ade8b8276e9795dd1e7f79a20f5a09296a7381d58f9670c30b869ac80224"
    "59fc883ccdc16eb68cd6c123562a416b99597635057d8592cfaa71f4f430054b"
    "69f5419cf8399c75c3c3e9b6db0d1c0292b5f88ebd322aa4667e7d6abaa75201"
    "9a850c0d054e879cec2b2d943ab7bc7410ef715feaad9e6a8fc6a9053feafc60"
    "af15e46f47d3bf06c6e7001c1cd743d00d4313bfe73cfdfa3422f175965a5cf2"
    "f2159457d394b7e1fcb573a994db6789fbccf7b48056bca207f9039fa753bea7"
    "e4b58fc66b1e38963fe0b69cbd54b6d72aeb793502afb19af949e69a00d61a93"
    "f453603098bc40d3f6e22db5586c54a2f34d85415394c277aae2269cb7f4d612"
    "d699ca72ad222bccdec6ba4303455c70f4c9c19c8d0e6a0729fafa0b6962fec2"
    "c1f4709c7099fe64424e03f021d0e2b20c2196c25d3911995bbee34993c5cb42"
    "090946f4672d53a6d5e2334f6ca419c255b9eeb3f5c48d04fd79e364002bb7e9"
    "23e523713d86cbce7750b1112fd52660bc5d2df7c6f6faf22d2c17d86bda72a4"
    "5a83017dd4eee9b6754ce0ed8a84feefa7107cd996915bc73fa772bb5bbab82d"
    "c6fdf11d60ab5fac043d739f8d8b4df56cbf4a26352c5c874aff6ff14f951522"
    "501d602a128a3d9c7c3b23bdc78724c7f1712a4c094d42e84e0f7d8abee9e9a1"
    "b9aec34b52d41933b1bc518235a9ca324d7e6fd953ff0bf2d70fed5ddd11b6b0"
    "ece00f49bccd9124bfa9bbe3a042f440e68d781cc7fb576a9ba35a9b91e7c5d5"
    "7bfa3d19490c268e65fc526fc6064941ab91b879a39d76c25b0a86d6179e4b4d"
    "0eb8350f08fb8a283809d4419ef5e05eff642267fe6420c809f54e591522198d"
    "345b4308a43f2209901d9c0a9cdae324137c2471b36d669cec915310a0c94a41"
    "99f2dda891ba4123789f8c70178e2fa6e2dfad26c2e3d875f536e54dd1dc4ab3"
    "953c960cf27154b95f041ed92f4a75618689f6ed9b278b4d871a3f9eacb37732"
    "ff918ef1be7a1b4466361caf7e000142bd008d6f89fd2ac83b289be32fced5a3"
    "6b55f6dfc87563c847f67a0bb089784f56673a90e34508a3fce3e89d4291a72f"
    "7e132a89b18aba0d56f4a919e070d0de247ecccd11674b9ad30a095227ed8355"
    "4c6fb5ca6ae820348cb95cb0566fee97b7f3a795b894b2d360993e7bf4a32e8a"
    "80637691c73fccbb36bf74a620df4da66ba390a2e12683d7ef1840fbaf5f0147"
    "ef1c25fc8fcde45e5e4a255b76d956388956bbf0528e8cc85292b6c4cf9aa094"
    "1ebecc7b5627fda32ce75ed2791164b86ad3b2742f9ce7833ae3c90a240b5b01"
    "760db94853689c41c08fa2c6bd29b0d5cd9a8dd9bfacf01f35d9349f7a663f6e"
    "a8ed7540ce8d683fa14c01095c94735a19a23fc386c241e5b5a6bd93362aaa00"
    "08865d8997b420db6e9344e26c548cd8e33fc0a77becebfd9db1176a75923d7e";

TEST(RtmpHandshake, DigestOffsets) {
  Bytes p(kHandshakeSize, 0);
  EXPECT_EQ(digest_offset(p, DigestScheme::kScheme1), 12u);
  EXPECT_EQ(digest_offset(p, DigestScheme::kScheme0), 776u);
  p[8] = p[9] = p[10] = p[11] = 0xFF;  // 1020 % 728 = 292
  EXPECT_EQ(digest_offset(p, DigestScheme::kScheme1), 304u);
  p[772] = 1, p[773] = 2, p[774] = 3, p[775] = 4;
  EXPECT_EQ(digest_offset(p, DigestScheme::kScheme0), 786u);
  p[772] = p[773] = 0xFF, p[774] = 0xD9, p[775] = 0;           // sum 727: the largest offset, so
  EXPECT_EQ(digest_offset(p, DigestScheme::kScheme0), 1503u);  // the digest ends at byte 1534
}

TEST(RtmpHandshake, PlainHandshake) {
  Bytes c0c1 = client_c0c1(false, DigestScheme::kScheme1, lcg(1));
  ASSERT_EQ(c0c1.size(), 1537u);
  EXPECT_FALSE(find_client_digest(ByteSpan(c0c1).subspan(1)));
  auto resp = server_handshake_response(c0c1, lcg(2));
  ASSERT_TRUE(resp) << resp.error().message;
  ASSERT_EQ(resp->size(), 3073u);
  EXPECT_EQ((*resp)[0], 3);
  // Spec 5.2.3: S1 time then four zero bytes; spec 5.2.4: S2 echoes C1.
  ByteSpan s1 = s1_of(*resp);
  EXPECT_EQ(Bytes(s1.begin() + 4, s1.begin() + 8), Bytes(4, 0));
  EXPECT_EQ(Bytes(s2_of(*resp).begin(), s2_of(*resp).end()), Bytes(c0c1.begin() + 1, c0c1.end()));
  EXPECT_FALSE(find_server_digest(s1));
  EXPECT_TRUE(verify_server_response(*resp, c0c1));
  auto c2 = client_c2(*resp, c0c1);
  ASSERT_TRUE(c2);
  EXPECT_EQ(*c2, Bytes(s1.begin(), s1.end()));  // plain C2 echoes S1
  EXPECT_TRUE(c2_is_plausible(*c2, s1));
  Bytes garbage(kHandshakeSize, 0x5A);
  EXPECT_FALSE(c2_is_plausible(garbage, s1));
}

TEST(RtmpHandshake, DigestHandshakeBothSchemes) {
  for (DigestScheme scheme : {DigestScheme::kScheme0, DigestScheme::kScheme1}) {
    for (uint32_t seed = 1; seed < 20; ++seed) {  // digest offsets vary with the bytes
      Bytes c0c1 = client_c0c1(true, scheme, lcg(seed));
      ASSERT_EQ(find_client_digest(ByteSpan(c0c1).subspan(1)), scheme);
      auto resp = server_handshake_response(c0c1, lcg(seed + 100));
      ASSERT_TRUE(resp);
      ASSERT_EQ(resp->size(), 3073u);
      EXPECT_EQ((*resp)[0], 3);
      // The server answers in the client's scheme, as Flash Media Server does.
      EXPECT_EQ(find_server_digest(s1_of(*resp)), scheme);
      EXPECT_NE(s1_of(*resp)[4], 0);  // a non-zero server version announces the digest
      Status ok = verify_server_response(*resp, c0c1);
      EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
      auto c2 = client_c2(*resp, c0c1, lcg(seed + 200));
      ASSERT_TRUE(c2);
      EXPECT_TRUE(c2_is_plausible(*c2, s1_of(*resp)));
      // A digest C2 is not an echo of S1.
      EXPECT_NE(Bytes(c2->begin() + 8, c2->end()),
                Bytes(s1_of(*resp).begin() + 8, s1_of(*resp).end()));
    }
  }
}

TEST(RtmpHandshake, TamperedServerAnswerFailsVerification) {
  Bytes c0c1 = client_c0c1(true, DigestScheme::kScheme1, lcg(7));
  auto resp = server_handshake_response(c0c1, lcg(8));
  ASSERT_TRUE(resp);
  Bytes bad_s2 = *resp;
  bad_s2[1 + kHandshakeSize + 100] ^= 1;
  EXPECT_FALSE(verify_server_response(bad_s2, c0c1));
  EXPECT_FALSE(client_c2(bad_s2, c0c1));
  Bytes bad_s1 = *resp;
  bad_s1[1 + 1000] ^= 1;  // outside both digests and offset seeds: breaks the S1 digest only
  EXPECT_FALSE(verify_server_response(bad_s1, c0c1));
  // The S2 answers this C1's digest, not another client's.
  Bytes other = client_c0c1(true, DigestScheme::kScheme1, lcg(9));
  EXPECT_FALSE(verify_server_response(*resp, other));
}

TEST(RtmpHandshake, RealFfmpegClient) {
  const Bytes c0c1 = from_hex(kFfmpegC0C1Hex);
  ASSERT_EQ(c0c1.size(), 1537u);
  // The Flash Player key and scheme-1 offset agree with FFmpeg's digest.
  EXPECT_EQ(find_client_digest(ByteSpan(c0c1).subspan(1)), DigestScheme::kScheme1);
  auto resp = server_handshake_response(c0c1, lcg(12345));
  ASSERT_TRUE(resp);
  EXPECT_TRUE(verify_server_response(*resp, c0c1));
  // FFmpeg's C2 is keyed by the full Flash Player key and our S1 digest: it verifies.
  const Bytes c2 = from_hex(kFfmpegPlayerC2Hex);
  ASSERT_EQ(c2.size(), kHandshakeSize);
  EXPECT_TRUE(c2_is_plausible(c2, s1_of(*resp)));
  // ... and only against the S1 it answered.
  auto other = server_handshake_response(c0c1, lcg(54321));
  ASSERT_TRUE(other);
  EXPECT_FALSE(c2_is_plausible(c2, s1_of(*other)));
}

TEST(RtmpHandshake, GarbageC1GetsPlainAnswer) {
  // A version-3 C0 with a C1 of non-zero "version" bytes but no valid digest: plain answer.
  Bytes c0c1(1537, 0x77);
  c0c1[0] = 3;
  auto resp = server_handshake_response(c0c1, lcg(3));
  ASSERT_TRUE(resp);
  EXPECT_EQ(Bytes(s2_of(*resp).begin(), s2_of(*resp).end()), Bytes(kHandshakeSize, 0x77));
  EXPECT_FALSE(find_server_digest(s1_of(*resp)));
}

TEST(RtmpHandshake, RefusesOtherVersionsAndSizes) {
  Bytes c0c1 = client_c0c1(true);
  for (int v : {0, 1, 2, 4, 0x0A, 31, int{'G'}, 0x16, 0xFF}) {
    c0c1[0] = static_cast<uint8_t>(v);
    auto r = server_handshake_response(c0c1);
    ASSERT_FALSE(r) << v;
    EXPECT_NE(r.error().message.find("unsupported version " + std::to_string(v)),
              std::string::npos);
  }
  for (int v : {6, 8}) {
    c0c1[0] = static_cast<uint8_t>(v);
    auto r = server_handshake_response(c0c1);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("RTMPE"), std::string::npos);
  }
  c0c1[0] = 3;
  EXPECT_FALSE(server_handshake_response(ByteSpan(c0c1).first(1536)));
  Bytes longer = c0c1;
  longer.push_back(0);
  EXPECT_FALSE(server_handshake_response(longer));
  EXPECT_TRUE(server_handshake_response(c0c1));  // default RandomFn: OpenSSL RAND_bytes
}

TEST(RtmpHandshake, RandomBytesDifferBetweenResponses) {
  Bytes c0c1 = client_c0c1(false);
  auto a = server_handshake_response(c0c1);
  auto b = server_handshake_response(c0c1);
  ASSERT_TRUE(a && b);
  EXPECT_NE(Bytes(s1_of(*a).begin(), s1_of(*a).end()), Bytes(s1_of(*b).begin(), s1_of(*b).end()));
}

}  // namespace
}  // namespace firstmile::rtmp
