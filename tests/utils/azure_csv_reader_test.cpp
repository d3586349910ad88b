#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"
#include "utils/errors.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

const std::string kData = KVB_TEST_DATA;
const std::string kFixture = kData + "/azure_conv_small.csv";
const std::string kHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\n";

class AzureCsvReaderTest : public testing::ScratchDirTest {};

using testing::ReadAll;

TEST_F(AzureCsvReaderTest, ReadsRows) {
  auto reader = OpenAzureCsv(kFixture, {});
  const auto requests = ReadAll(*reader);
  EXPECT_EQ(reader->issues().count(), 0u) << reader->issues().Summary();
  EXPECT_TRUE(reader->issues().warnings().empty()) << reader->issues().Summary();
  ASSERT_EQ(requests.size(), 5u);
  const std::vector<double> arrival = {0, 4.314579, 4.31941, 20653.3194099, 20653.81941};
  const std::vector<int64_t> in = {374, 396, 879, 16, 0};
  const std::vector<int64_t> out = {44, 109, 19, 1, 5};
  const std::vector<size_t> blocks = {24, 25, 55, 1, 0};
  std::set<uint64_t> seen;
  size_t total = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    EXPECT_EQ(r.request_id, std::to_string(i + 2));  // line number
    EXPECT_NEAR(r.arrival_s, arrival[i], 1e-7) << i;
    EXPECT_EQ(r.input_tokens, in[i]);
    EXPECT_EQ(r.output_tokens, out[i]);
    EXPECT_EQ(r.block_size, 16u);
    EXPECT_EQ(r.block_hashes.size(), blocks[i]);
    EXPECT_FALSE(r.conversation_id.has_value());
    seen.insert(r.block_hashes.begin(), r.block_hashes.end());
    total += r.block_hashes.size();
  }
  // Every prompt is unique: no block id repeats, within or across requests.
  EXPECT_EQ(seen.size(), total);
  EXPECT_EQ(requests[0].TokensInBlock(23), 374 - 23 * 16);
  const TraceInfo info = reader->info();
  EXPECT_EQ(info.format, TraceFormat::kAzure);
  EXPECT_EQ(info.block_size, 16u);
  EXPECT_TRUE(info.has_timestamps);
  EXPECT_FALSE(info.has_conversations);
}

TEST_F(AzureCsvReaderTest, BlockSizeOptionAndBufferReuse) {
  ReadOptions options;
  options.block_size = 32;
  auto reader = OpenAzureCsv(kFixture, options);
  Request r;
  ASSERT_TRUE(reader->NextInto(r));
  EXPECT_EQ(r.block_hashes.size(), 12u);  // ceil(374 / 32)
  ASSERT_TRUE(reader->NextInto(r));
  ASSERT_TRUE(reader->NextInto(r));
  EXPECT_EQ(r.block_hashes.size(), 28u);  // ceil(879 / 32)
  const uint64_t* data = r.block_hashes.data();
  ASSERT_TRUE(reader->NextInto(r));
  EXPECT_EQ(r.block_hashes.size(), 1u);
  EXPECT_EQ(r.block_hashes.data(), data);
  EXPECT_EQ(r.block_size, 32u);
  EXPECT_EQ(reader->info().block_size, 32u);
}

TEST_F(AzureCsvReaderTest, CalendarArithmetic) {
  const std::string path = Write("cal.csv", kHeader +
                                                "2023-12-31 23:59:59.5000000,1,1\n"
                                                "2024-01-01 00:00:00.2500000,1,1\n"
                                                "2024-02-28 00:00:00,1,1\n"
                                                "2024-03-01 00:00:00,1,1\n"
                                                "2024-03-01T01:00:00.5+01:00,1,1\n"
                                                " 2024-03-01 00:00:01Z , 2 , 3 \n");
  auto reader = OpenAzureCsv(path, {});
  const auto requests = ReadAll(*reader);
  EXPECT_EQ(reader->issues().count(), 0u) << reader->issues().Summary();
  ASSERT_EQ(requests.size(), 6u);
  const double jan1 = 0.75;
  const double feb28 = jan1 + (31 + 27) * 86400.0 - 0.25;
  const double mar1 = feb28 + 2 * 86400.0;  // 2024 is a leap year
  EXPECT_NEAR(requests[1].arrival_s, jan1, 1e-9);
  EXPECT_NEAR(requests[2].arrival_s, feb28, 1e-9);
  EXPECT_NEAR(requests[3].arrival_s, mar1, 1e-9);
  EXPECT_NEAR(requests[4].arrival_s, mar1 + 0.5, 1e-9);  // explicit offset applied
  EXPECT_NEAR(requests[5].arrival_s, mar1 + 1, 1e-9);
  EXPECT_EQ(requests[5].input_tokens, 2);
  EXPECT_EQ(requests[5].output_tokens, 3);
}

TEST_F(AzureCsvReaderTest, HeaderColumnsInAnyOrder) {
  const std::string path = Write("order.csv",
                                 "GeneratedTokens,TIMESTAMP,ContextTokens\n"
                                 "7,2023-11-16 18:15:46.6805900,20\n");
  auto reader = OpenAzureCsv(path, {});
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].input_tokens, 20);
  EXPECT_EQ(requests[0].output_tokens, 7);
}

TEST_F(AzureCsvReaderTest, ReportsMalformedRows) {
  const std::string path = Write("bad.csv", kHeader +
                                                "2023-11-16 18:15:46.6805900,10,1\n"  // 2
                                                "2023-11-16 18:15:47.0,10\n"          // 3
                                                "2023-11-16 18:15:47.0,10,1,4\n"      // 4
                                                "2023-11-16 18:15:47.0,abc,1\n"       // 5
                                                "2023-11-16 18:15:47.0,-5,1\n"        // 6
                                                "2023-11-16 18:15:47.0,5,-1\n"        // 7
                                                "2023-11-16 18:15:47.0,5.0,1\n"       // 8
                                                "2023-13-16 18:15:47.0,5,1\n"         // 9
                                                "2023-02-29 18:15:47.0,5,1\n"         // 10
                                                "yesterday,5,1\n"                     // 11
                                                "2023-11-16 18:15:47.,5,1\n"          // 12
                                                "\n"                                  // 13
                                                "2023-11-16 18:15:48.0,5,1\n");       // 14
  auto reader = OpenAzureCsv(path, {});
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].request_id, "14");
  EXPECT_NEAR(requests[1].arrival_s, 48 - 46.68059, 1e-9);
  const auto& issues = reader->issues();
  EXPECT_EQ(issues.count(), 10u) << issues.Summary();
  ASSERT_EQ(issues.messages().size(), 10u);
  const std::vector<std::pair<int, std::string>> expect = {
      {3, "expected 3 comma-separated fields"},
      {4, "got 4"},
      {5, "ContextTokens is not a non-negative integer: 'abc'"},
      {6, "ContextTokens is not a non-negative integer: '-5'"},
      {7, "GeneratedTokens is not a non-negative integer: '-1'"},
      {8, "ContextTokens is not a non-negative integer: '5.0'"},
      {9, "bad TIMESTAMP '2023-13-16"},
      {10, "bad TIMESTAMP '2023-02-29"},
      {11, "bad TIMESTAMP 'yesterday'"},
      {12, "bad TIMESTAMP"},
  };
  for (size_t i = 0; i < expect.size(); ++i) {
    const std::string& m = issues.messages()[i];
    EXPECT_NE(m.find(fmt::format(":{}: ", expect[i].first)), std::string::npos) << m;
    EXPECT_NE(m.find(expect[i].second), std::string::npos) << m;
  }
}

TEST_F(AzureCsvReaderTest, ReportsAMissingHeader) {
  const std::string path = Write("nohead.csv",
                                 "2023-11-16 18:15:46.6805900,10,1\n"
                                 "2023-11-16 18:15:47.6805900,20,2\n");
  auto reader = OpenAzureCsv(path, {});
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].input_tokens, 20);
  ASSERT_EQ(reader->issues().count(), 1u);
  const std::string& m = reader->issues().messages()[0];
  EXPECT_NE(m.find(":1: missing header"), std::string::npos) << m;
  EXPECT_NE(m.find("TIMESTAMP,ContextTokens,GeneratedTokens"), std::string::npos) << m;

  // A header with a wrong column name is missing too.
  auto wrong = OpenAzureCsv(Write("wrong.csv", "TIMESTAMP,Context,GeneratedTokens\n"), {});
  EXPECT_TRUE(ReadAll(*wrong).empty());
  EXPECT_EQ(wrong->issues().count(), 1u);
}

TEST_F(AzureCsvReaderTest, WarnsWhenUnsorted) {
  const std::string path = Write("unsorted.csv", kHeader +
                                                     "2023-11-16 18:15:46,10,1\n"
                                                     "2023-11-16 18:15:45,10,1\n");
  auto reader = OpenAzureCsv(path, {});
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_DOUBLE_EQ(requests[1].arrival_s, -1);
  ASSERT_EQ(reader->issues().warnings().size(), 1u);
  EXPECT_NE(reader->issues().warnings()[0].find("not sorted"), std::string::npos);
}

TEST_F(AzureCsvReaderTest, StrictThrowsOnTheFirstBadRow) {
  ReadOptions options;
  options.strict = true;
  auto reader = OpenAzureCsv(
      Write("strict.csv", kHeader + "2023-11-16 18:15:46,10,1\n2023-11-16 18:15:47,x,1\n"),
      options);
  Request r;
  ASSERT_TRUE(reader->NextInto(r));
  try {
    reader->NextInto(r);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(":3: "), std::string::npos) << e.what();
  }
}

TEST_F(AzureCsvReaderTest, ZstdCompressedReadsTheSame) {
  if (std::system("command -v zstd >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "zstd CLI not found; cannot make a compressed copy";
  }
  const std::string zst = (dir_ / "azure_conv_small.csv.zst").string();
  ASSERT_EQ(std::system(fmt::format("zstd -q -f -o '{}' '{}'", zst, kFixture).c_str()), 0);
  auto plain = OpenAzureCsv(kFixture, {});
  auto packed = OpenAzureCsv(zst, {});
  const auto a = ReadAll(*plain), b = ReadAll(*packed);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].arrival_s, b[i].arrival_s);
    EXPECT_EQ(a[i].input_tokens, b[i].input_tokens);
    EXPECT_EQ(a[i].output_tokens, b[i].output_tokens);
    EXPECT_EQ(a[i].block_hashes.size(), b[i].block_hashes.size());
  }
  EXPECT_EQ(DetectFormat(zst), TraceFormat::kAzure);
}

TEST_F(AzureCsvReaderTest, DetectFormatPicksAzure) {
  EXPECT_EQ(DetectFormat(kFixture), TraceFormat::kAzure);
}

}  // namespace
}  // namespace kvb
