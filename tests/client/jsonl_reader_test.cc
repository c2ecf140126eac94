#include "client/formats/jsonl_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/status_matchers.h"

namespace csx::formats {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

TEST(JsonlReaderTest, ValidAndInvalidLines) {
  const std::string content =
      R"({"type":"ipv4","value":"192.0.2.1","tags":["a","b"],"confidence":90})"
      "\n\n"
      R"({"type":"domain","value":"x.example","tags":"c;d"})"
      "\n"
      R"({"type":"ipv4","value":"192.0.2.2","colour":"red"})"
      "\n"
      R"({"type":"ipv4","value":"192.0.2.3","confidence":"high"})"
      "\n"
      R"({"type":"ipv4",)"
      "\n"
      R"(["not","an","object"])"
      "\n"
      R"({"seq":5,"op":"upsert","indicator":{"type":"sha1","value":"da39a3ee5e6b4b0d3255bfef95601890afd80709","id":"x"}})"
      "\n";
  auto records = ReadJsonl(content);
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records[0].line, 1);
  ASSERT_THAT(records[0].input, IsOk());
  EXPECT_EQ(records[0].input->confidence(), 90u);
  EXPECT_EQ(records[1].line, 3);
  ASSERT_THAT(records[1].input, IsOk());
  EXPECT_THAT(records[1].input->tags(), ::testing::ElementsAre("c", "d"));
  EXPECT_THAT(records[2].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("colour: unknown field")));
  EXPECT_THAT(records[3].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("confidence:")));
  EXPECT_THAT(records[4].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("json: invalid JSON")));
  EXPECT_THAT(records[5].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("expected an object")));
  ASSERT_THAT(records[6].input, IsOk());
  EXPECT_EQ(records[6].input->type(), "sha1");
  EXPECT_EQ(records[6].line, 8);
}

}  // namespace
}  // namespace csx::formats
