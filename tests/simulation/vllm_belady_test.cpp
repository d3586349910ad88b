#include <gtest/gtest.h>

#include "simulation/block_cache.h"
#include "simulation/policy_registry.h"
#include "simulation/sim_test_util.h"
#include "simulation/simulator.h"
#include "utils/errors.h"

namespace kvb {
namespace {

// Feeds one request (a list of keys) to the cache and ends it.
void Serve(BlockCache& cache, const std::vector<uint64_t>& keys) {
  AccessContext ctx;
  ctx.blocks_in_request = static_cast<uint32_t>(keys.size());
  for (uint32_t j = 0; j < keys.size(); ++j) {
    ctx.block_index = j;
    cache.Access(keys[j], ctx);
  }
  cache.EndRequest();
}

TEST(VllmPolicyTest, FreesARequestsBlocksInReverseOrder) {
  BlockCache cache(4, MakePolicy("vllm", {4}));
  cache.set_record_evictions(true);
  // A = [a1 a2] -> free queue (head first): a2 a1. B = [b1 b2] -> a2 a1 b2 b1.
  Serve(cache, {11, 12});
  Serve(cache, {21, 22});
  EXPECT_TRUE(cache.TakeEvicted().empty());
  // C = [c1]: full, the head a2 (A's deepest block) goes, not a1 as plain LRU would pick.
  Serve(cache, {31});
  EXPECT_EQ(cache.TakeEvicted(), std::vector<uint64_t>{12});
  // Queue: a1 b2 b1 c1. D = [a1 d2]: a1 hits and leaves the queue; d2 evicts the head b2.
  Serve(cache, {11, 42});
  EXPECT_EQ(cache.TakeEvicted(), std::vector<uint64_t>{22});
  EXPECT_EQ(cache.stats().hits, 1u);
  // Queue: b1 c1 d2 a1. E = [e1 e2 e3] evicts b1, c1, d2 in that order.
  Serve(cache, {51, 52, 53});
  EXPECT_EQ(cache.TakeEvicted(), (std::vector<uint64_t>{21, 31, 42}));
  EXPECT_TRUE(cache.Contains(11));
}

TEST(VllmPolicyTest, RunningRequestBlocksAreNotVictimsWhileOthersExist) {
  BlockCache cache(3, MakePolicy("vllm", {3}));
  cache.set_record_evictions(true);
  Serve(cache, {1});
  // A 3-block request: its first two blocks stay in use; block 1 from before is the victim.
  Serve(cache, {7, 8, 9});
  EXPECT_EQ(cache.TakeEvicted(), std::vector<uint64_t>{1});
  EXPECT_TRUE(cache.Contains(7) && cache.Contains(8) && cache.Contains(9));
}

TEST(BeladyTest, EvictsTheFarthestNextUse) {
  // Trace 1 2 3 1 2 4 1 2 3 4 at capacity 3, block mode.
  // t0-2 miss (1 2 3); t3 1 hit; t4 2 hit; t5 4 miss: next uses 1@6 2@7 3@8 -> evict 3;
  // t6 1 hit; t7 2 hit; t8 3 miss: 1 and 2 never again, 4@9 -> evict 1 or 2; t9 4 hit.
  // Hits: t3 t4 t6 t7 t9 = 5. LRU gets 4 (it evicts 3 at t5 and 4 at t8).
  const std::string path = testing::WriteBlockLog({1, 2, 3, 1, 2, 4, 1, 2, 3, 4});
  SimulationConfig cfg;
  cfg.input_path = path;
  cfg.policies = {"belady", "lru"};
  cfg.capacities = {ParseCapacity("3")};
  cfg.hit_mode = HitMode::kBlock;
  const SimulationResult r = RunSimulation(cfg);
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[0].total.hits, 5u);
  EXPECT_EQ(r.runs[1].total.hits, 4u);
  std::filesystem::remove(path);
}

TEST(RegistryTest, UnknownPolicyListsValidNames) {
  try {
    FindPolicy("random");
    FAIL();
  } catch (const InputError& e) {
    const std::string msg = e.what();
    for (const auto& p : PolicyTable()) EXPECT_NE(msg.find(p.name), std::string::npos) << p.name;
  }
}

}  // namespace
}  // namespace kvb
