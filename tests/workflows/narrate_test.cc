// The narratives' optional LLM rewrite against a stub OpenAI-compatible endpoint on loopback
// (tests/live/fake_services.py): used when it answers, the template kept - and the reason
// given - when it times out or replies with an error; no endpoint configured: the template.
#include "mre/workflows/narrate.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/fake_services.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

using mre::testing::contains;

class Llm : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("MRE_LLM_URL", (server.root() + "/v1").c_str(), 1);
    ::setenv("MRE_LLM_API_KEY", "sk-test-key", 1);
    ::setenv("MRE_LLM_TIMEOUT", "1", 1);
  }
  void TearDown() override {
    ::unsetenv("MRE_LLM_URL");
    ::unsetenv("MRE_LLM_API_KEY");
    ::unsetenv("MRE_LLM_TIMEOUT");
  }
  mre::testing::FakeServices server;
};

const std::string kText =
    "On 2026-08-21 the global macro regime is Bear_Flattener (confidence 0.99).";

TEST_F(Llm, AnAnsweringEndpointRewritesTheText) {
  const auto n = rewrite_with_llm(kText, "market regime classification");
  EXPECT_EQ(n.source, "llm");
  EXPECT_EQ(n.text, "Rewritten: " + kText);
  EXPECT_TRUE(contains(server.log(), "\"authorization\": \"Bearer sk-test-key\"")) << server.log();
}

TEST_F(Llm, ATimeoutOrAnErrorReplyKeepsTheTemplateAndSaysWhy) {
  server.script(
      R"([{"match": {"path_prefix": "/v1/chat"}, "responses": [{"delay": 3.0}, {"status": 500}, {"body": "not json", "content_type": "application/json"}]}])");
  const auto slow = rewrite_with_llm(kText, "x");
  EXPECT_EQ(slow.source, "template");
  EXPECT_EQ(slow.text, kText);
  EXPECT_TRUE(contains(slow.note, "did not answer")) << slow.note;
  const auto error = rewrite_with_llm(kText, "x");
  EXPECT_EQ(error.text, kText);
  EXPECT_TRUE(contains(error.note, "HTTP 500")) << error.note;
  const auto junk = rewrite_with_llm(kText, "x");
  EXPECT_EQ(junk.text, kText);
  EXPECT_TRUE(contains(junk.note, "unusable")) << junk.note;
}

TEST(LlmOff, NoEndpointMeansTheTemplate) {
  ::unsetenv("MRE_LLM_URL");
  const auto n = rewrite_with_llm(kText, "x");
  EXPECT_EQ(n.source, "template");
  EXPECT_EQ(n.text, kText);
  EXPECT_TRUE(n.note.empty());
}

}  // namespace
}  // namespace mre::workflows
