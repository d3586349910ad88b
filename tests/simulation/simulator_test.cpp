#include "simulation/simulator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>

#include "simulation/access_stream.h"
#include "simulation/policy_registry.h"
#include "simulation/sim_test_util.h"
#include "utils/errors.h"

namespace kvb {
namespace {

using testing::TestRequest;

const std::string kShared = KVB_SOURCE_DIR "/../shared/traces/mooncake_conversation_trace.jsonl";

SimulationResult Simulate(const std::string& path, std::vector<std::string> policies,
                          std::vector<std::string> capacities, HitMode mode, bool mrc = false,
                          int jobs = 1) {
  SimulationConfig cfg;
  cfg.input_path = path;
  cfg.policies = std::move(policies);
  for (const auto& c : capacities) cfg.capacities.push_back(ParseCapacity(c));
  cfg.hit_mode = mode;
  cfg.mrc = mrc;
  cfg.jobs = jobs;
  return RunSimulation(cfg);
}

TEST(SimulatorTest, MooncakeConversationTraceInfiniteCacheHitRatio) {
  if (!std::filesystem::exists(kShared)) GTEST_SKIP() << "shared trace missing: " << kShared;
  const SimulationResult r = Simulate(kShared, {"lru"}, {"inf"}, HitMode::kBlock);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.trace.requests, 12031u);
  EXPECT_EQ(r.runs[0].total.accesses, 288500u);
  EXPECT_EQ(r.runs[0].total.hits, 105710u);
  EXPECT_NEAR(r.runs[0].total.BlockHitRatio(), 0.3664, 5e-5);
  EXPECT_EQ(r.runs[0].evictions, 0u);
  // Prefix mode can only count fewer hits than block mode.
  const SimulationResult p = Simulate(kShared, {"lru"}, {"inf"}, HitMode::kPrefix);
  EXPECT_LE(p.runs[0].total.hits, 105710u);
  EXPECT_GT(p.runs[0].total.hits, 0u);
}

TEST(SimulatorTest, PrefixModeStopsAtTheFirstMiss) {
  // Request 2 = [1 5 3]: 1 cached, 5 missing, 3 cached but after the miss.
  const std::string path =
      testing::WriteLog({TestRequest{.blocks = {1, 2, 3}}, TestRequest{.blocks = {1, 5, 3}}}, 16);
  const SimulationResult prefix = Simulate(path, {"lru"}, {"inf"}, HitMode::kPrefix);
  const SimulationResult block = Simulate(path, {"lru"}, {"inf"}, HitMode::kBlock);
  EXPECT_EQ(prefix.runs[0].total.hits, 1u);
  EXPECT_EQ(block.runs[0].total.hits, 2u);
  EXPECT_EQ(prefix.runs[0].total.hit_tokens, 16u);
  EXPECT_EQ(prefix.runs[0].total.prompt_tokens, 96u);
  std::filesystem::remove(path);
}

TEST(SimulatorTest, TokenHitRatioCountsAPartialLastBlockByItsTokens) {
  const std::string path = testing::TempFile("kvb_partial");
  {
    RequestLogWriter w(path, {"test"});
    Request r;
    r.block_size = 16;
    r.block_hashes = {1, 2};
    r.input_tokens = 20;  // block 2 holds 4 tokens
    r.request_id = "a";
    w.Write(r);
    r.request_id = "b";
    r.arrival_s = 1;
    w.Write(r);
    w.Close();
  }
  const SimulationResult s = Simulate(path, {"lru"}, {"inf"}, HitMode::kPrefix);
  EXPECT_EQ(s.runs[0].total.hits, 2u);
  EXPECT_EQ(s.runs[0].total.hit_tokens, 20u);
  EXPECT_EQ(s.runs[0].total.prompt_tokens, 40u);
  EXPECT_DOUBLE_EQ(s.runs[0].total.TokenHitRatio(), 0.5);
  std::filesystem::remove(path);
}

TEST(SimulatorTest, BlockSizeConversionSplitsBlocks) {
  // Two 512-token-block requests sharing their first block; simulated at 256 tokens.
  const std::string path = testing::TempFile("kvb_split");
  {
    RequestLogWriter w(path, {"test"});
    Request r;
    r.block_size = 512;
    r.block_hashes = {1, 2};
    r.input_tokens = 700;  // block 2 holds 188 tokens -> one 256-token chunk
    r.request_id = "a";
    w.Write(r);
    r.block_hashes = {1, 3};
    r.input_tokens = 1024;
    r.request_id = "b";
    w.Write(r);
    w.Close();
  }
  SimulationConfig cfg;
  cfg.input_path = path;
  cfg.capacities = {ParseCapacity("inf")};
  cfg.stream.block_size = 256;
  const SimulationResult s = RunSimulation(cfg);
  EXPECT_EQ(s.trace.block_size, 256u);
  EXPECT_EQ(s.trace.accesses, 3u + 4u);
  EXPECT_EQ(s.runs[0].total.hits, 2u);  // the two chunks of block 1
  cfg.stream.block_size = 100;          // not a divisor of 512
  EXPECT_THROW(RunSimulation(cfg), InputError);
  std::filesystem::remove(path);
}

TEST(SimulatorTest, InfersConversationsFromSharedPrefixes) {
  const std::string path = KVB_TEST_DATA "/mooncake_small.jsonl";
  AccessStreamOptions opts;
  AccessStream stream(path, opts);
  SimBatch batch;
  ASSERT_TRUE(stream.Next(batch));
  ASSERT_EQ(batch.requests.size(), 4u);
  // r0 = [0 1 2] (1200 tokens: 2 full blocks, tail 1); r1 = [0 1 3 4] extends r0's full blocks;
  // r2 = [0 5] shares only block 0 (a system prompt): new conversation; r3 = [0 1 3 6 7]
  // extends r1's full blocks [0 1 3].
  EXPECT_EQ(batch.requests[0].conversation_id, batch.requests[1].conversation_id);
  EXPECT_EQ(batch.requests[1].turn, 2);
  EXPECT_NE(batch.requests[2].conversation_id, batch.requests[0].conversation_id);
  EXPECT_EQ(batch.requests[2].turn, 1);
  EXPECT_EQ(batch.requests[3].conversation_id, batch.requests[0].conversation_id);
  EXPECT_EQ(batch.requests[3].turn, 3);
  EXPECT_EQ(stream.summary().conversations, 2u);
}

TEST(SimulatorTest, ResultsDoNotDependOnThreads) {
  if (!std::filesystem::exists(kShared)) GTEST_SKIP() << "shared trace missing";
  const std::vector<std::string> policies = {"lru", "fifo", "sieve", "vllm", "conversation-aware"};
  const SimulationResult one =
      Simulate(kShared, policies, {"2000", "20000"}, HitMode::kPrefix, true, 1);
  const SimulationResult two =
      Simulate(kShared, policies, {"2000", "20000"}, HitMode::kPrefix, true, 2);
  ASSERT_EQ(one.runs.size(), two.runs.size());
  for (size_t i = 0; i < one.runs.size(); ++i) {
    EXPECT_EQ(one.runs[i].total.hits, two.runs[i].total.hits) << one.runs[i].policy;
    EXPECT_EQ(one.runs[i].total.hit_tokens, two.runs[i].total.hit_tokens);
  }
  // The one-pass MRC agrees with the separate lru runs on the real trace too.
  ASSERT_TRUE(one.mrc);
  EXPECT_EQ(one.mrc->requested[0].hits, one.runs[0].total.hits);
  EXPECT_EQ(one.mrc->requested[1].hits, one.runs[1].total.hits);
  EXPECT_EQ(one.mrc->requested[1].hit_tokens, one.runs[1].total.hit_tokens);
}

// Random chained workloads: requests extend earlier requests' prefixes.
rc::Gen<std::vector<TestRequest>> GenWorkload() {
  return rc::gen::exec([] {
    const int n = *rc::gen::inRange(1, 60);
    std::vector<TestRequest> reqs;
    uint64_t next_id = 1;
    for (int i = 0; i < n; ++i) {
      TestRequest r;
      if (!reqs.empty() && *rc::gen::inRange(0, 3) > 0) {
        const auto& base = reqs[*rc::gen::inRange<size_t>(0, reqs.size())].blocks;
        const size_t keep = *rc::gen::inRange<size_t>(0, base.size() + 1);
        r.blocks.assign(base.begin(), base.begin() + static_cast<ptrdiff_t>(keep));
      }
      const int extra = *rc::gen::inRange(r.blocks.empty() ? 1 : 0, 6);
      for (int k = 0; k < extra; ++k) r.blocks.push_back(next_id++);
      reqs.push_back(r);
    }
    return reqs;
  });
}

RC_GTEST_PROP(SimulatorProperty, MrcEqualsSeparateLruRuns, ()) {
  const auto reqs = *GenWorkload();
  const HitMode mode = *rc::gen::element(HitMode::kPrefix, HitMode::kBlock);
  const std::vector<std::string> caps = {std::to_string(*rc::gen::inRange(1, 8)),
                                         std::to_string(*rc::gen::inRange(8, 40)), "inf"};
  const std::string path = testing::WriteLog(reqs, 16);
  const SimulationResult r = Simulate(path, {"lru"}, caps, mode, true);
  RC_LOG() << "workload: " << path << "\n";
  RC_ASSERT(r.mrc.has_value());
  for (size_t k = 0; k < caps.size(); ++k) {
    RC_ASSERT(r.mrc->requested[k].hits == r.runs[k].total.hits);
    RC_ASSERT(r.mrc->requested[k].hit_tokens == r.runs[k].total.hit_tokens);
  }
  std::filesystem::remove(path);
}

RC_GTEST_PROP(SimulatorProperty, BeladyIsNeverBeatenInBlockMode, ()) {
  const auto reqs = *GenWorkload();
  const std::string cap = std::to_string(*rc::gen::inRange(1, 30));
  std::vector<std::string> policies;
  for (const auto& p : PolicyTable()) policies.push_back(p.name);
  const std::string path = testing::WriteLog(reqs, 16);
  const SimulationResult r = Simulate(path, policies, {cap}, HitMode::kBlock);
  std::filesystem::remove(path);
  uint64_t belady = 0;
  for (const auto& run : r.runs) {
    if (run.policy == "belady") belady = run.total.hits;
  }
  for (const auto& run : r.runs) {
    RC_ASSERT(run.total.hits <= belady);
  }
}

RC_GTEST_PROP(SimulatorProperty, LruHitsNeverFallAsCapacityGrows, ()) {
  const auto reqs = *GenWorkload();
  const HitMode mode = *rc::gen::element(HitMode::kPrefix, HitMode::kBlock);
  const std::string path = testing::WriteLog(reqs, 16);
  const SimulationResult r =
      Simulate(path, {"lru"}, {"1", "2", "3", "5", "8", "13", "21", "34", "inf"}, mode);
  std::filesystem::remove(path);
  for (size_t k = 1; k < r.runs.size(); ++k) {
    RC_ASSERT(r.runs[k].total.hits >= r.runs[k - 1].total.hits);
  }
}

}  // namespace
}  // namespace kvb
