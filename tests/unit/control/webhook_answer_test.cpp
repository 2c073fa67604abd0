#include "control/webhook_answer.hpp"

#include <gtest/gtest.h>

namespace firstmile::control {
namespace {

using Kind = WebhookAnswer::Kind;

TEST(WebhookAnswer, TwoHundredsAllow) {
  auto a = judge_webhook_answer(200, "", "", 256);
  EXPECT_EQ(a.kind, Kind::Allow);
  EXPECT_FALSE(a.stream);
  EXPECT_EQ(judge_webhook_answer(204, "", " \n{\"ok\": true}", 256).kind, Kind::Allow);
  EXPECT_EQ(judge_webhook_answer(200, "", "{\"stream\": null}", 256).stream, std::nullopt);
}

TEST(WebhookAnswer, StreamRenames) {
  auto a = judge_webhook_answer(200, "", R"({"stream": "channel-42"})", 256);
  EXPECT_EQ(a.kind, Kind::Allow);
  EXPECT_EQ(a.stream, "channel-42");
  // Players cannot be renamed: max_name 0 ignores the member.
  a = judge_webhook_answer(200, "", R"({"stream": "channel-42"})", 0);
  EXPECT_EQ(a.kind, Kind::Allow);
  EXPECT_FALSE(a.stream);
}

TEST(WebhookAnswer, InvalidRenameIsAnError) {
  for (const char* body : {R"({"stream": "../etc"})", R"({"stream": 42})", R"({"stream": ""})",
                           R"({"stream": "abcdefghi"})"}) {
    auto a = judge_webhook_answer(200, "", body, 8);
    EXPECT_EQ(a.kind, Kind::Error) << body;
    EXPECT_EQ(a.reason, "authorization answer names an invalid stream") << body;
  }
}

TEST(WebhookAnswer, NonObjectBodyIsAnError) {
  for (const char* body : {"OK", "[]", "\"yes\"", "{\"stream\": "}) {
    auto a = judge_webhook_answer(200, "", body, 256);
    EXPECT_EQ(a.kind, Kind::Error) << body;
    EXPECT_EQ(a.reason, "authorization answer is not a JSON object");
  }
}

TEST(WebhookAnswer, OtherStatusesRefuseWithTheBackendsReasonCleaned) {
  auto a = judge_webhook_answer(403, "", R"({"reason": "unknown \"key\"\n"})", 256);
  EXPECT_EQ(a.kind, Kind::Refused);
  EXPECT_EQ(a.reason, "refused by the authorization service: unknown  key  ");
  a = judge_webhook_answer(502, "", "<html>Bad Gateway</html>", 256);
  EXPECT_EQ(a.kind, Kind::Refused);
  EXPECT_EQ(a.reason, "refused by the authorization service");
  a = judge_webhook_answer(401, "", R"({"reason": ")" + std::string(500, 'x') + R"("})", 256);
  EXPECT_EQ(a.reason.size(), std::string("refused by the authorization service: ").size() + 200);
}

TEST(WebhookAnswer, NoAnswerOrCutShort) {
  EXPECT_EQ(judge_webhook_answer(0, "connection refused", "", 256).kind, Kind::Unreachable);
  auto a = judge_webhook_answer(200, "response over 65536 bytes", R"({"stream": "x"})", 256);
  EXPECT_EQ(a.kind, Kind::Error);
  EXPECT_EQ(a.reason, "authorization answer refused");
}

}  // namespace
}  // namespace firstmile::control
