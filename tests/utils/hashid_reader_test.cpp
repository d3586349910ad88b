#include <gtest/gtest.h>

#include "utils/errors.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

const std::string kData = KVB_TEST_DATA;

TEST(HashIdReaderTest, ReadsMooncakeLayout) {
  EXPECT_EQ(DetectFormat(kData + "/mooncake_small.jsonl"), TraceFormat::kMooncake);
  auto reader = OpenTrace(kData + "/mooncake_small.jsonl", {});
  EXPECT_EQ(reader->info().block_size, 512u);
  auto r = reader->Next();
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->arrival_s, 0.0);
  EXPECT_EQ(r->input_tokens, 1200);
  EXPECT_EQ(r->output_tokens, 10);
  EXPECT_EQ(r->block_hashes, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_FALSE(r->conversation_id);
  // The partial last block holds 1200 - 2 * 512 tokens.
  EXPECT_EQ(r->TokensInBlock(2), 176);
  r = reader->Next();
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->arrival_s, 0.5);  // milliseconds -> seconds
  int n = 2;
  while (reader->Next()) ++n;
  EXPECT_EQ(n, 4);
  EXPECT_EQ(reader->issues().count(), 0u);
}

TEST(HashIdReaderTest, ReadsAlibabaLayoutWithConversations) {
  EXPECT_EQ(DetectFormat(kData + "/alibaba_small.jsonl"), TraceFormat::kAlibaba);
  auto reader = OpenTrace(kData + "/alibaba_small.jsonl", {});
  EXPECT_EQ(reader->info().block_size, 16u);
  std::vector<Request> all;
  while (auto r = reader->Next()) all.push_back(*r);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].request_id, "159");
  EXPECT_EQ(all[0].conversation_id, 159);
  EXPECT_EQ(all[0].type, "text");
  EXPECT_EQ(all[0].turn, 1);
  EXPECT_DOUBLE_EQ(all[0].arrival_s, 61.114);
  EXPECT_EQ(all[1].conversation_id, 160);
  // 161's parent is 159 and 170's parent 161: both belong to conversation 159.
  EXPECT_EQ(all[2].conversation_id, 159);
  EXPECT_EQ(all[2].parent_id, "159");
  EXPECT_EQ(all[3].conversation_id, 159);
  EXPECT_EQ(all[3].turn, 3);
}

TEST(HashIdReaderTest, ReportsEveryMalformedLineWithItsNumber) {
  auto reader = OpenTrace(kData + "/mooncake_malformed.jsonl", {});
  std::vector<Request> good;
  while (auto r = reader->Next()) good.push_back(*r);
  ASSERT_EQ(good.size(), 2u);
  EXPECT_EQ(good[1].block_hashes, (std::vector<uint64_t>{0, 9}));
  const ReadIssues& issues = reader->issues();
  EXPECT_EQ(issues.count(), 6u);  // lines 2, 3, 4, 5, 6, 7 (line 8 is blank)
  ASSERT_EQ(issues.messages().size(), 6u);
  EXPECT_NE(issues.messages()[0].find("mooncake_malformed.jsonl:2: not valid JSON"),
            std::string::npos);
  EXPECT_NE(issues.messages()[2].find(":4: 'input_length' is not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(issues.messages()[3].find(":5: missing 'input_length'"), std::string::npos);
  EXPECT_NE(issues.messages()[4].find(":6: 'hash_ids' holds a non-integer"), std::string::npos);
  EXPECT_NE(issues.messages()[5].find(":7: not a JSON object"), std::string::npos);
  EXPECT_NE(issues.Summary().find("6 malformed records"), std::string::npos);
}

TEST(HashIdReaderTest, StrictModeStopsAtTheFirstBadLine) {
  ReadOptions opts;
  opts.strict = true;
  auto reader = OpenTrace(kData + "/mooncake_malformed.jsonl", opts);
  EXPECT_TRUE(reader->Next());
  try {
    reader->Next();
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("mooncake_malformed.jsonl:2"), std::string::npos);
  }
}

TEST(HashIdReaderTest, MissingFileAndUnknownFormatAreInputErrors) {
  EXPECT_THROW(OpenTrace(kData + "/does_not_exist.jsonl", {}), InputError);
  EXPECT_THROW(ParseFormat("parquet"), InputError);
  try {
    ParseFormat("parquet");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("mooncake"), std::string::npos);
  }
}

TEST(HashIdReaderTest, SharedMooncakeTraceInfiniteCacheRepeats) {
  const std::string path = KVB_SOURCE_DIR "/../shared/traces/mooncake_conversation_trace.jsonl";
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) GTEST_SKIP() << "shared trace not present at " << path;
  fclose(f);
  auto reader = OpenTrace(path, {});
  uint64_t requests = 0, accesses = 0;
  while (auto r = reader->Next()) {
    ++requests;
    accesses += r->block_hashes.size();
  }
  EXPECT_EQ(requests, 12031u);
  EXPECT_EQ(accesses, 288500u);
  EXPECT_EQ(reader->issues().count(), 0u);
}

}  // namespace
}  // namespace kvb
