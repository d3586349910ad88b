// GpuBlockPool: hand-worked scenarios against vLLM v1's block-pool rules (expected block ids and
// queue contents derived in the comments) and rapidcheck invariants over random operations.
#include "engine/block_pool.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace kvb {
namespace {

using Ids = std::vector<GpuBlockPool::BlockId>;

Ids Blocks(const GpuBlockPool& pool, uint64_t request) {
  auto s = pool.RequestBlocks(request);
  return Ids(s.begin(), s.end());
}

TEST(GpuBlockPoolTest, SamePromptTwiceRecomputesTheLastToken) {
  // B = 16, 10 blocks. A 40-token prompt has 2 full blocks (h0 h1) and 8 tokens in a third.
  GpuBlockPool pool(10, 16);
  const std::vector<uint64_t> h = {100, 101};
  // First time: no hit; ceil(40/16) = 3 blocks from the queue head: 0 1 2.
  EXPECT_EQ(pool.Allocate(1, h, 40, 40), 0);
  EXPECT_EQ(Blocks(pool, 1), (Ids{0, 1, 2}));
  pool.CacheFullBlocks(1, h, 40);  // registers h0 -> 0, h1 -> 1 (block 2 is partial)
  EXPECT_EQ(pool.BlockHash(0), 100u);
  EXPECT_EQ(pool.BlockHash(1), 101u);
  EXPECT_FALSE(pool.BlockHash(2).has_value());
  pool.Free(1);
  // Queue: 3..9, then request 1's blocks in reverse: 2 1 0.
  EXPECT_EQ(pool.FreeQueue(), (Ids{3, 4, 5, 6, 7, 8, 9, 2, 1, 0}));
  // Second time: cap floor((40-1)/16) = 2 blocks, both cached -> 32 hit tokens; the last 8
  // tokens (including the last one) are recomputed in one new block, the queue head 3.
  EXPECT_EQ(pool.LongestCachedPrefix(h, 40), 2);
  EXPECT_EQ(pool.Allocate(2, h, 40, 40), 32);
  EXPECT_EQ(Blocks(pool, 2), (Ids{0, 1, 3}));
  EXPECT_EQ(pool.FreeQueue(), (Ids{4, 5, 6, 7, 8, 9, 2}));
  EXPECT_EQ(pool.stats().query_tokens, 80);
  EXPECT_EQ(pool.stats().hit_tokens, 32);
  EXPECT_EQ(pool.stats().lookups, 2);
  EXPECT_EQ(pool.stats().evicted_blocks, 0);
}

TEST(GpuBlockPoolTest, BlockAlignedPromptRecomputesItsWholeLastBlock) {
  // A 32-token prompt: 2 full blocks h0 h1, both cached after the first run. The cap is
  // floor((32-1)/16) = 1 block, so only 16 tokens hit and the whole block h1 is recomputed.
  GpuBlockPool pool(4, 16);
  const std::vector<uint64_t> h = {200, 201};
  EXPECT_EQ(pool.Allocate(1, h, 32, 32), 0);  // blocks 0 1
  pool.CacheFullBlocks(1, h, 32);
  pool.Free(1);  // queue 2 3 1 0
  EXPECT_EQ(pool.FreeQueue(), (Ids{2, 3, 1, 0}));
  EXPECT_EQ(pool.LongestCachedPrefix(h, 32), 1);
  EXPECT_EQ(pool.Allocate(2, h, 32, 32), 16);
  // h0 hit on block 0; the recomputed block is a new one (queue head 2), not block 1.
  EXPECT_EQ(Blocks(pool, 2), (Ids{0, 2}));
  pool.CacheFullBlocks(2, h, 32);
  // h1 is now on blocks 1 (free) and 2 (in use): a duplicate, as vLLM keeps both.
  EXPECT_EQ(pool.BlockHash(2), 201u);
  EXPECT_EQ(pool.num_cached_hashes(), 2);
  // Taking the queue head 3 (no hash) then 1 evicts block 1's copy of h1; block 2 still has it.
  EXPECT_EQ(pool.Allocate(3, std::vector<uint64_t>{}, 32, 32), 0);
  EXPECT_EQ(Blocks(pool, 3), (Ids{3, 1}));
  EXPECT_EQ(pool.stats().evicted_blocks, 1);
  EXPECT_TRUE(pool.ContainsHash(201));
  EXPECT_EQ(pool.LongestCachedPrefix(h, 33), 2);
}

// B = 4, 6 blocks. Hashes: A = a0 a1 a2 (12 tokens), B = b0 b1, C = a0 a1 c2, D = d0 d1,
// E = b0 e1. Every step's queue (head first) is worked out by hand.
TEST(GpuBlockPoolTest, EvictionOrderFollowsVllmRules) {
  GpuBlockPool pool(6, 4);
  std::vector<uint64_t> evicted;
  pool.set_eviction_listener([&](uint64_t h) { evicted.push_back(h); });
  const std::vector<uint64_t> a = {10, 11, 12}, b = {20, 21}, c = {10, 11, 32}, d = {40, 41},
                              e = {20, 51};
  EXPECT_EQ(pool.Allocate(1, a, 12, 12), 0);  // blocks 0 1 2
  pool.CacheFullBlocks(1, a, 12);
  EXPECT_EQ(pool.Allocate(2, b, 8, 8), 0);  // blocks 3 4
  pool.CacheFullBlocks(2, b, 8);
  EXPECT_EQ(pool.FreeQueue(), (Ids{5}));
  EXPECT_DOUBLE_EQ(pool.usage(), 5.0 / 6);
  // Reverse-order free, LRU across requests: A's deepest block 2 is next after 5.
  pool.Free(1);
  pool.Free(2);
  EXPECT_EQ(pool.FreeQueue(), (Ids{5, 2, 1, 0, 4, 3}));
  EXPECT_DOUBLE_EQ(pool.usage(), 0.0);
  // C hits a0 a1 (cap floor(11/4) = 2): blocks 0 1 leave the queue; its new block is 5.
  EXPECT_EQ(pool.Allocate(3, c, 12, 12), 8);
  EXPECT_EQ(Blocks(pool, 3), (Ids{0, 1, 5}));
  EXPECT_EQ(pool.FreeQueue(), (Ids{2, 4, 3}));
  pool.CacheFullBlocks(3, c, 12);  // c2 -> 5
  // D misses: takes 2 (evicts a2) and 4 (evicts b1). Freed block 3 (b0) stays hittable.
  EXPECT_EQ(pool.Allocate(4, d, 8, 8), 0);
  EXPECT_EQ(Blocks(pool, 4), (Ids{2, 4}));
  pool.CacheFullBlocks(4, d, 8);
  EXPECT_EQ(evicted, (std::vector<uint64_t>{12, 21}));
  EXPECT_FALSE(pool.ContainsHash(12));
  EXPECT_FALSE(pool.ContainsHash(21));
  EXPECT_TRUE(pool.ContainsHash(20));
  EXPECT_EQ(pool.FreeQueue(), (Ids{3}));
  // E hits b0 on free block 3 and needs 1 new block: 1 + 1 > 1 free -> fails, nothing changes.
  EXPECT_EQ(pool.Allocate(5, e, 8, 8), std::nullopt);
  EXPECT_FALSE(pool.HasRequest(5));
  EXPECT_EQ(pool.FreeQueue(), (Ids{3}));
  EXPECT_EQ(pool.RefCount(3), 0u);
  EXPECT_EQ(pool.stats().failed_allocations, 1);
  EXPECT_EQ(pool.stats().lookups, 4);
  // C finishes: 5 1 0 appended. E now hits b0 (block 3) and takes 5 (evicts c2).
  pool.Free(3);
  EXPECT_EQ(pool.FreeQueue(), (Ids{3, 5, 1, 0}));
  EXPECT_EQ(pool.Allocate(5, e, 8, 8), 4);
  EXPECT_EQ(Blocks(pool, 5), (Ids{3, 5}));
  EXPECT_EQ(pool.FreeQueue(), (Ids{1, 0}));
  EXPECT_EQ(evicted, (std::vector<uint64_t>{12, 21, 32}));
  // Decode growth: 8 -> 9 slots crosses into a third block (1, evicting a1); 9 -> 12 fits;
  // 12 -> 13 takes block 0 (evicting a0); 13 -> 17 needs a fifth block: none free, unchanged.
  EXPECT_TRUE(pool.AppendSlots(5, 1));
  EXPECT_EQ(Blocks(pool, 5), (Ids{3, 5, 1}));
  EXPECT_TRUE(pool.AppendSlots(5, 3));
  EXPECT_EQ(Blocks(pool, 5), (Ids{3, 5, 1}));
  EXPECT_TRUE(pool.AppendSlots(5, 1));
  EXPECT_EQ(Blocks(pool, 5), (Ids{3, 5, 1, 0}));
  EXPECT_EQ(pool.RequestSlots(5), 13);
  EXPECT_FALSE(pool.AppendSlots(5, 4));
  EXPECT_EQ(pool.RequestSlots(5), 13);
  EXPECT_EQ(Blocks(pool, 5), (Ids{3, 5, 1, 0}));
  EXPECT_EQ(evicted, (std::vector<uint64_t>{12, 21, 32, 11, 10}));
  EXPECT_EQ(pool.num_free_blocks(), 0u);
  EXPECT_DOUBLE_EQ(pool.usage(), 1.0);
  // Statistics: lookups A B C D E = 5, queries 12+8+12+8+8 = 48, hits C 8 + E 4 = 12.
  EXPECT_EQ(pool.stats().lookups, 5);
  EXPECT_EQ(pool.stats().query_tokens, 48);
  EXPECT_EQ(pool.stats().hit_tokens, 12);
  EXPECT_EQ(pool.stats().evicted_blocks, 5);
  EXPECT_EQ(pool.stats().failed_allocations, 2);
}

TEST(GpuBlockPoolTest, SharedBlocksReturnToTheQueueWhenTheLastHolderFrees) {
  GpuBlockPool pool(4, 4);
  const std::vector<uint64_t> h = {1, 2};
  EXPECT_EQ(pool.Allocate(1, h, 9, 9), 0);  // blocks 0 1 2
  pool.CacheFullBlocks(1, h, 9);
  // Request 2 hits both blocks while request 1 runs: ref counts 2, nothing leaves the queue.
  EXPECT_EQ(pool.Allocate(2, h, 9, 9), 8);
  EXPECT_EQ(Blocks(pool, 2), (Ids{0, 1, 3}));
  EXPECT_EQ(pool.RefCount(0), 2u);
  EXPECT_EQ(pool.RefCount(1), 2u);
  pool.Free(1);  // only block 2 reaches 0
  EXPECT_EQ(pool.FreeQueue(), (Ids{2}));
  EXPECT_EQ(pool.RefCount(0), 1u);
  pool.Free(2);  // reverse: 3 1 0
  EXPECT_EQ(pool.FreeQueue(), (Ids{2, 3, 1, 0}));
  pool.Free(2);  // unknown id: ignored
  EXPECT_EQ(pool.num_free_blocks(), 4u);
}

TEST(GpuBlockPoolTest, ChunkedPrefillRegistersBlocksAsTheyComplete) {
  // B = 4, a 10-token prompt from a hash-id trace carrying 3 hashes (the last of a partial block).
  GpuBlockPool pool(8, 4);
  const std::vector<uint64_t> h = {7, 8, 9};
  // First chunk of 6 tokens: 2 blocks reserved, 1 full block computed.
  EXPECT_EQ(pool.Allocate(1, h, 10, 6), 0);
  EXPECT_EQ(Blocks(pool, 1).size(), 2u);
  pool.CacheFullBlocks(1, h, 6);
  EXPECT_TRUE(pool.ContainsHash(7));
  EXPECT_FALSE(pool.ContainsHash(8));
  EXPECT_TRUE(pool.AppendSlots(1, 4));  // 10 slots: 3 blocks
  pool.CacheFullBlocks(1, h, 10);
  EXPECT_TRUE(pool.ContainsHash(8));
  // Decode fills block 2 (12 tokens computed), but the partial block's hash is never used.
  EXPECT_TRUE(pool.AppendSlots(1, 2));
  pool.CacheFullBlocks(1, h, 12);
  EXPECT_FALSE(pool.ContainsHash(9));
  EXPECT_EQ(pool.num_cached_hashes(), 2);
  // The trailing partial hash is ignored by lookups too: 10 tokens -> at most 2 blocks.
  EXPECT_EQ(pool.LongestCachedPrefix(h, 10), 2);
  EXPECT_EQ(pool.LongestCachedPrefix(h, 9), 2);
  EXPECT_EQ(pool.LongestCachedPrefix(h, 8), 1);
  EXPECT_EQ(pool.LongestCachedPrefix(h, 1), 0);
  EXPECT_EQ(pool.LongestCachedPrefix(std::vector<uint64_t>{99, 8}, 10), 0);  // stops at a miss
}

TEST(GpuBlockPoolTest, AllocationFailureLeavesStateUnchanged) {
  GpuBlockPool pool(3, 4);
  const std::vector<uint64_t> h = {1, 2};
  EXPECT_EQ(pool.Allocate(1, h, 8, 8), 0);
  pool.CacheFullBlocks(1, h, 8);
  pool.Free(1);
  const Ids queue = pool.FreeQueue();  // 2 1 0
  // 17 tokens need 5 blocks; the pool has 3.
  EXPECT_EQ(pool.Allocate(2, std::vector<uint64_t>{1, 2, 3, 4}, 17, 17), std::nullopt);
  EXPECT_EQ(pool.FreeQueue(), queue);
  EXPECT_TRUE(pool.ContainsHash(1) && pool.ContainsHash(2));
  EXPECT_EQ(pool.stats().evicted_blocks, 0);
  EXPECT_EQ(pool.stats().query_tokens, 8);
  EXPECT_FALSE(pool.HasRequest(2));
}

// ---- properties -------------------------------------------------------------------------------

// Prompt i of "document" d with a branch: hashes shared up to the branch point, so random prompts
// hit each other's prefixes.
std::vector<uint64_t> MakeHashes(int doc, int branch_at, int branch, int n_blocks) {
  std::vector<uint64_t> h;
  for (int i = 0; i < n_blocks; ++i) {
    h.push_back(static_cast<uint64_t>(doc) * 100000 + (i < branch_at ? 0 : 1000 * (branch + 1)) +
                i);
  }
  return h;
}

struct ModelRequest {
  std::vector<uint64_t> hashes;
  int64_t prompt_tokens = 0;
  int64_t computed_tokens = 0;
};

void CheckInvariants(const GpuBlockPool& pool, const std::map<uint64_t, ModelRequest>& running) {
  const uint32_t n = pool.num_gpu_blocks();
  std::vector<uint32_t> expected_ref(n, 0);
  for (const auto& [id, r] : running) {
    for (auto b : pool.RequestBlocks(id)) ++expected_ref[b];
  }
  uint32_t zero = 0;
  for (uint32_t b = 0; b < n; ++b) {
    // A block held by a running request is never reallocated: its ref count would be reset to 1.
    RC_ASSERT(pool.RefCount(b) == expected_ref[b]);
    if (pool.RefCount(b) == 0) ++zero;
  }
  const Ids queue = pool.FreeQueue();
  RC_ASSERT(queue.size() == pool.num_free_blocks());
  RC_ASSERT(zero == pool.num_free_blocks());
  RC_ASSERT(pool.num_free_blocks() + pool.num_used_blocks() == n);
  for (auto b : queue) RC_ASSERT(pool.RefCount(b) == 0u);
  // The computed, hashed prefix of every running request is still cached on its own blocks.
  for (const auto& [id, r] : running) {
    const auto blocks = pool.RequestBlocks(id);
    const int64_t full = std::min<int64_t>(std::min(r.computed_tokens, r.prompt_tokens) / 4,
                                           static_cast<int64_t>(r.hashes.size()));
    for (int64_t i = 0; i < full; ++i) {
      RC_ASSERT(pool.BlockHash(blocks[i]) == std::optional<uint64_t>(r.hashes[i]));
      RC_ASSERT(pool.ContainsHash(r.hashes[i]));
    }
  }
}

RC_GTEST_PROP(GpuBlockPoolProperty, InvariantsHoldUnderRandomOperations, ()) {
  const uint32_t num_blocks = *rc::gen::inRange<uint32_t>(1, 24);
  GpuBlockPool pool(num_blocks, 4);
  std::map<uint64_t, ModelRequest> running;
  uint64_t next_id = 0;
  const int steps = *rc::gen::inRange(1, 120);
  for (int step = 0; step < steps; ++step) {
    const int op = *rc::gen::inRange(0, 4);
    if (op == 0 || running.empty()) {
      ModelRequest r;
      r.prompt_tokens = *rc::gen::inRange<int64_t>(1, 48);
      const int n_hashes = static_cast<int>((r.prompt_tokens + 3) / 4);  // trailing partial too
      r.hashes = MakeHashes(*rc::gen::inRange(0, 3), *rc::gen::inRange(0, 12),
                            *rc::gen::inRange(0, 2), n_hashes);
      const int64_t cached = pool.LongestCachedPrefix(r.hashes, r.prompt_tokens) * 4;
      RC_ASSERT(cached <= r.prompt_tokens - 1);
      const int64_t slots = *rc::gen::inRange<int64_t>(cached, r.prompt_tokens + 1);
      const auto before_free = pool.num_free_blocks();
      const auto hit = pool.Allocate(next_id, r.hashes, r.prompt_tokens, slots);
      if (hit) {
        RC_ASSERT(*hit == cached);
        r.computed_tokens = cached;
        running[next_id] = r;
      } else {
        RC_ASSERT(pool.num_free_blocks() == before_free);
        RC_ASSERT(!pool.HasRequest(next_id));
      }
      ++next_id;
    } else {
      auto it = running.begin();
      std::advance(it, *rc::gen::inRange<size_t>(0, running.size()));
      const uint64_t id = it->first;
      ModelRequest& r = it->second;
      if (op == 1) {
        // Compute every reserved slot, then register the full blocks.
        r.computed_tokens = pool.RequestSlots(id);
        pool.CacheFullBlocks(id, r.hashes, r.computed_tokens);
      } else if (op == 2) {
        const auto before = pool.RequestSlots(id);
        const int64_t n = *rc::gen::inRange<int64_t>(1, 9);
        if (!pool.AppendSlots(id, n)) RC_ASSERT(pool.RequestSlots(id) == before);
      } else {
        pool.Free(id);
        running.erase(it);
      }
    }
    CheckInvariants(pool, running);
  }
  for (auto& [id, r] : running) pool.Free(id);
  RC_ASSERT(pool.num_free_blocks() == num_blocks);
  RC_ASSERT(pool.usage() == 0.0);
}

}  // namespace
}  // namespace kvb
