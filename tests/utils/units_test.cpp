#include "utils/units.h"

#include <gtest/gtest.h>

#include <limits>

#include "utils/block_hash.h"
#include "utils/errors.h"

namespace kvb {
namespace {

TEST(UnitsTest, ParsesCapacitiesInBlocksTokensBytes) {
  EXPECT_EQ(CapacityToBlocks(ParseCapacity("5859"), 16, 0), 5859u);
  EXPECT_EQ(CapacityToBlocks(ParseCapacity("1e4"), 16, 0), 10000u);
  EXPECT_EQ(CapacityToBlocks(ParseCapacity("3Mtok"), 16, 0), 187500u);
  EXPECT_EQ(CapacityToBlocks(ParseCapacity("512ktok"), 512, 0), 1000u);
  // Qwen3-8B: 147456 bytes per token; a 16-token block is 2359296 bytes; 64 GB -> 27126 blocks.
  EXPECT_EQ(CapacityToBlocks(ParseCapacity("64GB"), 16, 147456.0), 27126u);
  EXPECT_EQ(CapacityToBlocks(ParseCapacity("1GiB"), 1, 1024.0), 1048576u);
  EXPECT_EQ(CapacityToBlocks(ParseCapacity("inf"), 16, 0), std::numeric_limits<uint64_t>::max());
}

TEST(UnitsTest, RejectsBadCapacities) {
  for (const char* bad : {"", "abc", "-5", "0", "12parsecs", "5Xtok", "1e400"}) {
    EXPECT_THROW(ParseCapacity(bad), InputError) << bad;
  }
  // Bytes without a model cannot be converted.
  EXPECT_THROW(CapacityToBlocks(ParseCapacity("64GB"), 16, 0), InputError);
}

TEST(UnitsTest, ParsesByteSizes) {
  EXPECT_DOUBLE_EQ(ParseBytes("5GB"), 5e9);
  EXPECT_DOUBLE_EQ(ParseBytes("2GiB"), 2.0 * 1073741824.0);
  EXPECT_DOUBLE_EQ(ParseBytes("100"), 100.0);
  EXPECT_THROW(ParseBytes("lots"), InputError);
}

TEST(BlockHashTest, ChainsFullBlocksOnly) {
  std::vector<uint32_t> tokens(40);
  for (uint32_t i = 0; i < 40; ++i) tokens[i] = i;
  std::vector<uint64_t> h;
  HashTokenBlocks(tokens, 16, h);
  ASSERT_EQ(h.size(), 2u);  // 40 tokens: two full blocks, the partial one is not hashed
  // Same prefix -> same hashes; a change in block 0 changes every later hash.
  std::vector<uint64_t> h2;
  tokens[39] = 999;
  HashTokenBlocks(tokens, 16, h2);
  EXPECT_EQ(h, h2);
  tokens[0] = 999;
  std::vector<uint64_t> h3;
  HashTokenBlocks(tokens, 16, h3);
  EXPECT_NE(h3[0], h[0]);
  EXPECT_NE(h3[1], h[1]);
  // Block 1 alone equal but behind a different block 0: different hash (chaining).
  tokens[0] = 0;
  for (uint32_t i = 0; i < 16; ++i) tokens[i] = 500 + i;
  std::vector<uint64_t> h4;
  HashTokenBlocks(tokens, 16, h4);
  EXPECT_NE(h4[1], h[1]);
}

TEST(BlockHashTest, SplitsBlocksIntoDivisors) {
  const std::vector<uint64_t> hashes = {10, 11, 12};
  std::vector<uint64_t> out;
  // 512-token blocks into 256-token chunks; the last block holds 300 tokens -> 2 chunks.
  SplitBlocks(hashes, 512, 256, 300, out);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0], SubBlockId(10, 0));
  EXPECT_EQ(out[1], SubBlockId(10, 1));
  EXPECT_EQ(out[4], SubBlockId(12, 0));
  EXPECT_NE(out[0], out[1]);
  out.clear();
  SplitBlocks(hashes, 512, 256, 100, out);  // 100 tokens in the last block -> 1 chunk
  EXPECT_EQ(out.size(), 5u);
  out.clear();
  SplitBlocks(hashes, 16, 16, 3, out);  // same size: unchanged
  EXPECT_EQ(out, hashes);
}

}  // namespace
}  // namespace kvb
