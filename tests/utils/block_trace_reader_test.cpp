#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "utils/errors.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

const std::string kData = KVB_TEST_DATA;

class BlockTraceTest : public testing::ScratchDirTest {};

using testing::ReadAll;

// ---------------------------------------------------------------------------------------------
// block: one id per line

TEST_F(BlockTraceTest, ReadsIdsSkippingBlanksAndComments) {
  auto reader = OpenBlockTrace(kData + "/block_small.txt", {});
  const auto requests = ReadAll(*reader);
  EXPECT_EQ(reader->issues().count(), 0u) << reader->issues().Summary();
  const std::vector<uint64_t> ids = {42, 7, 42, 18446744073709551615ULL, 9, 0};
  const std::vector<std::string> lines = {"1", "2", "4", "6", "7", "8"};
  ASSERT_EQ(requests.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(requests[i].block_hashes, std::vector<uint64_t>{ids[i]});
    EXPECT_EQ(requests[i].request_id, lines[i]);
    EXPECT_DOUBLE_EQ(requests[i].arrival_s, static_cast<double>(i));
    EXPECT_EQ(requests[i].block_size, 1u);
    EXPECT_EQ(requests[i].input_tokens, 1);
    EXPECT_EQ(requests[i].output_tokens, 0);
    EXPECT_FALSE(requests[i].conversation_id.has_value());
  }
  const TraceInfo info = reader->info();
  EXPECT_EQ(info.format, TraceFormat::kBlock);
  EXPECT_EQ(info.block_size, 1u);
  EXPECT_FALSE(info.has_timestamps);
  EXPECT_FALSE(info.has_conversations);
}

TEST_F(BlockTraceTest, BlockSizeOption) {
  ReadOptions options;
  options.block_size = 16;
  auto reader = OpenBlockTrace(kData + "/block_small.txt", options);
  Request r;
  ASSERT_TRUE(reader->NextInto(r));
  EXPECT_EQ(r.block_size, 16u);
  EXPECT_EQ(r.input_tokens, 16);
  EXPECT_EQ(r.TokensInBlock(0), 16);
  EXPECT_EQ(reader->info().block_size, 16u);
}

TEST_F(BlockTraceTest, ReportsMalformedLines) {
  const std::string path = Write("bad.txt",
                                 "1\n"
                                 "abc\n"                   // 2
                                 "-1\n"                    // 3
                                 "18446744073709551616\n"  // 4: 2^64
                                 "1 2\n"                   // 5
                                 "0x10\n"                  // 6
                                 "3.5\n"                   // 7
                                 "+4\n"                    // 8
                                 "5\n");
  auto reader = OpenBlockTrace(path, {});
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].block_hashes[0], 5u);
  EXPECT_EQ(requests[1].request_id, "9");
  EXPECT_DOUBLE_EQ(requests[1].arrival_s, 1);
  const auto& issues = reader->issues();
  EXPECT_EQ(issues.count(), 7u) << issues.Summary();
  ASSERT_EQ(issues.messages().size(), 7u);
  for (int line = 2; line <= 8; ++line) {
    const std::string& m = issues.messages()[line - 2];
    EXPECT_NE(m.find(fmt::format(":{}: ", line)), std::string::npos) << m;
  }
  EXPECT_NE(issues.messages()[0].find("expected one unsigned decimal block id, got 'abc'"),
            std::string::npos);
  EXPECT_NE(issues.messages()[2].find("does not fit in an unsigned 64-bit integer"),
            std::string::npos);
}

TEST_F(BlockTraceTest, StrictThrowsOnTheFirstBadLine) {
  ReadOptions options;
  options.strict = true;
  auto reader = OpenBlockTrace(Write("strict.txt", "1\nx\n2\n"), options);
  Request r;
  ASSERT_TRUE(reader->NextInto(r));
  try {
    reader->NextInto(r);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(":2: "), std::string::npos) << e.what();
  }
}

TEST_F(BlockTraceTest, ZstdCompressedReadsTheSame) {
  const std::string zst = Zstd(kData + "/block_small.txt");
  if (zst.empty()) GTEST_SKIP() << "zstd CLI not found; cannot make a compressed copy";
  auto plain = OpenBlockTrace(kData + "/block_small.txt", {});
  auto packed = OpenBlockTrace(zst, {});
  const auto a = ReadAll(*plain), b = ReadAll(*packed);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].block_hashes, b[i].block_hashes);
    EXPECT_EQ(a[i].request_id, b[i].request_id);
  }
  EXPECT_EQ(DetectFormat(zst), TraceFormat::kBlock);
}

TEST_F(BlockTraceTest, DetectFormatPicksBlock) {
  EXPECT_EQ(DetectFormat(kData + "/block_small.txt"), TraceFormat::kBlock);
}

// ---------------------------------------------------------------------------------------------
// oracle: libCacheSim oracleGeneral binary

struct OracleRecord {
  uint32_t clock_time;
  uint64_t obj_id;
  uint32_t obj_size;
  int64_t next_access_vtime;
};

template <typename T>
void PutLittleEndian(std::string& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
  }
}

std::string Encode(const std::vector<OracleRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    PutLittleEndian(out, r.clock_time);
    PutLittleEndian(out, r.obj_id);
    PutLittleEndian(out, r.obj_size);
    PutLittleEndian(out, r.next_access_vtime);
  }
  return out;
}

const std::vector<OracleRecord> kSmall = {
    {0, 10, 100, 2},
    {1, 20, 0, -1},  // obj_size 0: skipped, as libCacheSim does
    {1, 10, 100, -1},
    {5, 1ULL << 40, 4096, -1},
    {7, 0xFFFFFFFFFFFFFFFFULL, 1, -1},
};

TEST_F(BlockTraceTest, OracleReadsRecords) {
  const std::string bytes = Encode(kSmall);
  ASSERT_EQ(bytes.size(), 5u * 24u);
  auto reader = OpenOracleTrace(Write("small.oracleGeneral.bin", bytes), {});
  const auto requests = ReadAll(*reader);
  EXPECT_EQ(reader->issues().count(), 0u) << reader->issues().Summary();
  ASSERT_EQ(requests.size(), 4u);
  const std::vector<uint64_t> ids = {10, 10, 1ULL << 40, 0xFFFFFFFFFFFFFFFFULL};
  const std::vector<std::string> index = {"1", "3", "4", "5"};
  const std::vector<double> clock = {0, 1, 5, 7};
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(requests[i].block_hashes, std::vector<uint64_t>{ids[i]});
    EXPECT_EQ(requests[i].request_id, index[i]);
    EXPECT_DOUBLE_EQ(requests[i].arrival_s, clock[i]);
    EXPECT_EQ(requests[i].block_size, 1u);
    EXPECT_EQ(requests[i].input_tokens, 1);
    EXPECT_EQ(requests[i].output_tokens, 0);
  }
  ASSERT_EQ(reader->issues().warnings().size(), 1u);
  EXPECT_NE(reader->issues().warnings()[0].find("1 record with obj_size 0 skipped, as libCacheSim "
                                                "does"),
            std::string::npos)
      << reader->issues().warnings()[0];
  const TraceInfo info = reader->info();
  EXPECT_EQ(info.format, TraceFormat::kOracle);
  EXPECT_EQ(info.block_size, 1u);
  EXPECT_TRUE(info.has_timestamps);
}

TEST_F(BlockTraceTest, OracleReportsATrailingPartialRecord) {
  std::string bytes = Encode(kSmall);
  bytes += std::string(10, '\x01');
  auto reader = OpenOracleTrace(Write("cut.oracleGeneral.bin", bytes), {});
  EXPECT_EQ(ReadAll(*reader).size(), 4u);
  const auto& issues = reader->issues();
  EXPECT_EQ(issues.count(), 1u);
  ASSERT_EQ(issues.messages().size(), 1u);
  EXPECT_NE(issues.messages()[0].find(":6: record 6: the file ends 10 bytes into a 24-byte "
                                      "record"),
            std::string::npos)
      << issues.messages()[0];

  ReadOptions options;
  options.strict = true;
  auto strict = OpenOracleTrace(Write("cut2.oracleGeneral.bin", bytes), options);
  Request r;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(strict->NextInto(r));
  EXPECT_THROW(strict->NextInto(r), InputError);
}

TEST_F(BlockTraceTest, OracleLargeFileCrossesChunksPlainAndZstd) {
  // 100k records = 2.4 MB: crosses the reader's 1.5 MiB chunk at a record boundary that is not
  // a chunk boundary of the compressed stream.
  std::vector<OracleRecord> records;
  for (uint32_t i = 0; i < 100000; ++i) {
    records.push_back({i / 10, (i * 7919ULL) % 5003, i % 1000 == 999 ? 0u : 1u, -1});
  }
  const std::string path = Write("big.oracleGeneral.bin", Encode(records));
  const std::string zst = Zstd(path);
  std::vector<std::string> paths = {path};
  if (!zst.empty()) paths.push_back(zst);
  for (const auto& p : paths) {
    auto reader = OpenOracleTrace(p, {});
    Request r;
    size_t n = 0, next = 0;
    while (reader->NextInto(r)) {
      while (records[next].obj_size == 0) ++next;
      ASSERT_EQ(r.block_hashes.size(), 1u);
      ASSERT_EQ(r.block_hashes[0], records[next].obj_id) << p << " record " << next + 1;
      ASSERT_EQ(r.request_id, std::to_string(next + 1));
      ASSERT_DOUBLE_EQ(r.arrival_s, records[next].clock_time);
      ++next;
      ++n;
    }
    EXPECT_EQ(n, 100000u - 100u) << p;
    EXPECT_EQ(reader->issues().count(), 0u) << p;
    ASSERT_EQ(reader->issues().warnings().size(), 1u);
    EXPECT_NE(reader->issues().warnings()[0].find("100 records with obj_size 0"),
              std::string::npos);
  }
  if (zst.empty()) GTEST_SKIP() << "zstd CLI not found; compressed copy not checked";
}

TEST_F(BlockTraceTest, DetectFormatPicksOracle) {
  const std::string bytes = Encode(kSmall);
  EXPECT_EQ(DetectFormat(Write("x.oracleGeneral.bin", bytes)), TraceFormat::kOracle);
  // Without the name: the bytes look binary.
  EXPECT_EQ(DetectFormat(Write("trace.bin", bytes)), TraceFormat::kOracle);
}

}  // namespace
}  // namespace kvb
