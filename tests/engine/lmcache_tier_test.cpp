// LmcacheTier and AppendChunkHashes: chunk conversion, capacity, exact load times, policies by
// name, and a GPU-evicted prefix served from the CPU tier.
#include "engine/lmcache_tier.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "engine/block_pool.h"
#include "simulation/policy_registry.h"
#include "utils/errors.h"

namespace kvb {
namespace {

std::vector<uint64_t> Iota(size_t n, uint64_t first) {
  std::vector<uint64_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

std::vector<uint64_t> Chunks(const std::vector<uint64_t>& blocks, int64_t tokens,
                             uint32_t chunk = 256) {
  std::vector<uint64_t> out;
  AppendChunkHashes(blocks, 16, chunk, tokens, out);
  return out;
}

LmcacheTierConfig Config(uint64_t capacity_chunks, const std::string& policy = "lru") {
  LmcacheTierConfig c;
  c.name = "cpu";
  c.chunk_size_tokens = 256;
  c.kv_bytes_per_token = 1000;
  c.capacity_bytes = capacity_chunks * 256 * 1000;
  c.bandwidth_bytes_per_s = 1e6;
  c.policy = policy;
  return c;
}

TEST(ChunkHashesTest, LastBlockOfEachFullChunk) {
  // 600 tokens at B = 16: 37 full blocks + 1 partial = 38 hashes (1000..1037). Full chunks:
  // floor(600/256) = 2, identified by blocks 16*1-1 = 15 and 16*2-1 = 31.
  const auto blocks = Iota(38, 1000);
  EXPECT_EQ(Chunks(blocks, 600), (std::vector<uint64_t>{1015, 1031}));
  // 512 tokens exactly: 2 chunks; 511 tokens: 1.
  EXPECT_EQ(Chunks(blocks, 512), (std::vector<uint64_t>{1015, 1031}));
  EXPECT_EQ(Chunks(blocks, 511), (std::vector<uint64_t>{1015}));
  // Too few hashes for the second chunk's last block: the chunks stop there.
  EXPECT_EQ(Chunks(Iota(20, 0), 512), (std::vector<uint64_t>{15}));
  // chunk 32 = 2 blocks: blocks 1, 3, 5.
  EXPECT_EQ(Chunks(Iota(7, 0), 100, 32), (std::vector<uint64_t>{1, 3, 5}));
  EXPECT_TRUE(Chunks(blocks, 255).empty());
  std::vector<uint64_t> out;
  EXPECT_THROW(AppendChunkHashes(blocks, 16, 100, 600, out), InputError);
  EXPECT_THROW(AppendChunkHashes(blocks, 16, 0, 600, out), InputError);
}

TEST(LmcacheTierTest, CapacityIsCountedInWholeChunks) {
  LmcacheTierConfig c = Config(10);
  c.capacity_bytes += 255999;  // one byte short of an 11th chunk of 256 * 1000 bytes
  LmcacheTier tier(c);
  EXPECT_EQ(tier.chunk_bytes(), 256000u);
  EXPECT_EQ(tier.capacity_chunks(), 10u);
  // Store 12 chunks: 10 stay (LRU evicts the first two), usage = 10 chunks.
  const auto chunks = Iota(12, 1);
  EXPECT_EQ(tier.Store(chunks, 12 * 256, {}), 12);
  EXPECT_EQ(tier.num_chunks(), 10u);
  EXPECT_EQ(tier.usage_bytes(), 2560000u);
  EXPECT_EQ(tier.last_evicted(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(tier.stats().stored_chunks, 12);
  EXPECT_EQ(tier.stats().evicted_chunks, 2);
}

TEST(LmcacheTierTest, StoresFullChunksOnlyAndSkipsPresentOnes) {
  LmcacheTier tier(Config(8));
  // 700 tokens: 2 full chunks; the third hash is ignored (a partial chunk is not stored).
  EXPECT_EQ(tier.Store(std::vector<uint64_t>{1, 2, 3}, 700, {}), 2);
  EXPECT_FALSE(tier.Contains(3));
  // The next turn extends the prefix: chunks 1 2 present (skipped), 3 4 new.
  EXPECT_EQ(tier.Store(std::vector<uint64_t>{1, 2, 3, 4}, 1024, {}), 2);
  EXPECT_EQ(tier.num_chunks(), 4u);
  EXPECT_EQ(tier.stats().stored_chunks, 4);
}

TEST(LmcacheTierTest, LookupStopsAtTheFirstMissingChunk) {
  LmcacheTier tier(Config(8));
  tier.Store(std::vector<uint64_t>{1, 2, 4}, 768, {});
  const std::vector<uint64_t> prompt = {1, 2, 3, 4};
  EXPECT_EQ(tier.LongestPrefixChunks(prompt), 2);
  EXPECT_EQ(tier.stats().requested_tokens, 0);  // the const query counts nothing
  EXPECT_EQ(tier.Lookup(prompt, 1100), 2);
  EXPECT_EQ(tier.stats().requested_tokens, 1100);
  EXPECT_EQ(tier.stats().hit_tokens, 512);
}

TEST(LmcacheTierTest, LoadTimeIsBytesOverBandwidth) {
  LmcacheTier tier(Config(8));
  const std::vector<uint64_t> chunks = {1, 2, 3};
  tier.Store(chunks, 768, {});
  // Nothing on the GPU: 3 * 256 tokens * 1000 B / 1e6 B/s = 0.768 s.
  EXPECT_DOUBLE_EQ(tier.Load(chunks, 3, 0, {}), 0.768);
  // GPU holds 300 tokens: the mask is chunk-aligned, floor(300/256)*256 = 256 skipped, so
  // 512 tokens = 512000 B move: 0.512 s.
  EXPECT_DOUBLE_EQ(tier.Load(chunks, 3, 300, {}), 0.512);
  // GPU already holds more than the tier offers: nothing moves.
  EXPECT_DOUBLE_EQ(tier.Load(chunks, 2, 600, {}), 0.0);
  EXPECT_EQ(tier.stats().loaded_tokens, 768 + 512);
  EXPECT_EQ(tier.stats().loaded_bytes, (768 + 512) * 1000);
  EXPECT_DOUBLE_EQ(tier.TransferSeconds(1), 0.001);
}

TEST(LmcacheTierTest, PolicyIsChosenByName) {
  // Capacity 2: store x, store y, load x (a hit), store z. LRU evicts y (x was just used);
  // FIFO ignores the hit and evicts x, the oldest insert.
  for (const auto& [policy, victim] :
       std::vector<std::pair<std::string, uint64_t>>{{"lru", 2}, {"fifo", 1}}) {
    LmcacheTier tier(Config(2, policy));
    tier.Store(std::vector<uint64_t>{1}, 256, {});
    tier.Store(std::vector<uint64_t>{2}, 256, {});
    tier.Load(std::vector<uint64_t>{1}, 1, 0, {});
    tier.Store(std::vector<uint64_t>{3}, 256, {});
    EXPECT_EQ(tier.last_evicted(), std::vector<uint64_t>{victim}) << policy;
  }
}

TEST(LmcacheTierTest, RejectsBadConfigs) {
  try {
    LmcacheTier tier(Config(2, "no-such-policy"));
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown eviction policy 'no-such-policy'"),
              std::string::npos);
    EXPECT_NE(std::string(e.what()).find("lru"), std::string::npos);
  }
  EXPECT_THROW(LmcacheTier(Config(2, "belady")), InputError);
  LmcacheTierConfig c = Config(2);
  c.bandwidth_bytes_per_s = 0;
  EXPECT_THROW(LmcacheTier{c}, InputError);
  c = Config(2);
  c.kv_bytes_per_token = 0;
  EXPECT_THROW(LmcacheTier{c}, InputError);
}

TEST(LmcacheTierTest, EveryOnlineRegistryPolicyWorks) {
  for (const PolicyInfo& info : PolicyTable()) {
    if (info.needs_future) continue;
    LmcacheTier tier(Config(3, info.name));
    AccessContext ctx;
    for (uint64_t r = 0; r < 20; ++r) {
      ctx.time_s = static_cast<double>(r);
      ctx.conversation_id = static_cast<int64_t>(r % 3);
      const std::vector<uint64_t> chunks = {r % 5 + 1, 100 + r % 4};
      const int64_t n = tier.Lookup(chunks, 600);
      if (n > 0) tier.Load(chunks, n, 0, ctx);
      tier.Store(chunks, 600, ctx);
      EXPECT_LE(tier.num_chunks(), 3u) << info.name;
    }
  }
}

TEST(LmcacheTierTest, GpuEvictedPrefixIsLoadedFromTheCpuTier) {
  // GPU: 40 blocks of 16 tokens. CPU tier: 8 chunks of 256 tokens, 1000 B/token, 1e6 B/s.
  GpuBlockPool pool(40, 16);
  LmcacheTier cpu(Config(8));
  // Request 1: a 520-token prompt, 33 block hashes (32 full + 1 partial), 2 full chunks.
  const auto blocks_r = Iota(33, 5000);
  const auto chunks_r = Chunks(blocks_r, 520);
  ASSERT_EQ(chunks_r, (std::vector<uint64_t>{5015, 5031}));
  ASSERT_EQ(pool.Allocate(1, blocks_r, 520, 520), 0);  // 33 blocks: 0..32
  pool.CacheFullBlocks(1, blocks_r, 520);              // 32 hashes registered
  EXPECT_EQ(cpu.Store(chunks_r, 520, {}), 2);          // after the prefill completes
  pool.Free(1);                                        // queue: 33..39, then 32 31 .. 0
  // Request 2: an unrelated 640-token prompt takes all 40 blocks: 33..39 (no hash), then 32..0,
  // evicting all 32 hashed blocks of request 1.
  ASSERT_EQ(pool.Allocate(2, Iota(40, 9000), 640, 640), 0);
  EXPECT_EQ(pool.stats().evicted_blocks, 32);
  pool.Free(2);
  // Request 1's prompt again: no GPU hit, 2 chunks in the CPU tier. Loading them moves
  // 512 tokens * 1000 B = 512000 B at 1e6 B/s = 0.512 s instead of recomputing.
  EXPECT_EQ(pool.LongestCachedPrefix(blocks_r, 520), 0);
  const int64_t n = cpu.Lookup(chunks_r, 520);
  EXPECT_EQ(n, 2);
  EXPECT_DOUBLE_EQ(cpu.Load(chunks_r, n, 0, {}), 0.512);
  EXPECT_EQ(cpu.stats().hit_tokens, 512);
}

}  // namespace
}  // namespace kvb
