#include "engine/latency_model.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "config/gpu_spec.h"
#include "config/model_spec.h"
#include "utils/errors.h"

namespace kvb {
namespace {

class LatencyModelTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("KVB_CONFIG_DIR", KVB_SOURCE_DIR "/configs", 1); }
};

StepShape Uniform(int64_t seqs, int64_t new_tokens, int64_t context_tokens) {
  StepShape s;
  s.seqs.assign(static_cast<size_t>(seqs), SeqWork{new_tokens, context_tokens});
  return s;
}

void ExpectRel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-9 * expected) << "expected " << expected;
}

// The worked example of docs/engine.md: Qwen3-8B (params 8.19e9, 36 layers, hidden 4096,
// 32 heads x 128, 8 KV heads, vocab 151936, bf16) on one H100 (989.4e12 FLOP/s, 3.35e12 B/s)
// with the shipped h100.yaml efficiencies (mfu 0.65, bandwidth 0.75, overhead 0.5 ms).
//   E = 151936 * 4096 = 622,329,856; P_body = 8.19e9 - 2E = 6,945,340,288.
//   KV bytes per token = 2 * 36 * 8 * 128 * 2 = 147,456.
//   Peak * mfu = 643.11e12 FLOP/s; bandwidth * efficiency = 2.5125e12 B/s.
//
// Prefill 8192 tokens from an empty cache (one sequence):
//   linear = 2 * P_body * 8192 + 2 * E * 1        = 113,793,699,938,304
//   attn   = 4 * 36 * 32 * 128 * (8192 * 8193 / 2) = 19,793,625,219,072
//   flops  = 133,587,325,157,376 -> compute 0.2077208022847973 s
//   bytes  = (P_body + E) * 2 + 147456 * (0 + 2 * 8192) = 17,551,259,392 -> 0.006985575877 s
//   step   = 0.2077208022847973 + 0.0005 = 0.2082208022847973 s (compute bound)
//
// Decode, 64 sequences, 2048 tokens of context each:
//   linear = 2 * P_body * 64 + 2 * E * 64          = 968,661,778,432
//   attn   = 4 * 36 * 32 * 128 * 64 * (2048 + 1)  = 77,347,160,064
//   flops  = 1,046,008,938,496 -> compute 0.0016264852645674923 s
//   bytes  = 15,135,340,288 + 147456 * 64 * (2048 + 2) = 34,481,567,488 -> 0.01372400696039801 s
//   step   = 0.01372400696039801 + 0.0005 = 0.01422400696039801 s (memory bound)
TEST_F(LatencyModelTest, WorkedExampleQwen3On1H100) {
  const RooflineLatencyModel model(FindModelSpec("qwen3-8b"), FindGpuSpec("h100"), 1);

  const StepBreakdown prefill = model.Breakdown(Uniform(1, 8192, 0));
  ExpectRel(prefill.flops, 133587325157376.0);
  ExpectRel(prefill.bytes, 17551259392.0);
  ExpectRel(prefill.compute_s, 0.2077208022847973);
  ExpectRel(prefill.memory_s, 0.006985575877412936);
  EXPECT_DOUBLE_EQ(prefill.overhead_s, 0.0005);
  EXPECT_EQ(prefill.comm_s, 0);
  ExpectRel(model.StepSeconds(Uniform(1, 8192, 0)), 0.2082208022847973);

  const StepBreakdown decode = model.Breakdown(Uniform(64, 1, 2048));
  ExpectRel(decode.flops, 1046008938496.0);
  ExpectRel(decode.bytes, 34481567488.0);
  ExpectRel(decode.compute_s, 0.0016264852645674923);
  ExpectRel(decode.memory_s, 0.01372400696039801);
  ExpectRel(model.StepSeconds(Uniform(64, 1, 2048)), 0.01422400696039801);
}

TEST_F(LatencyModelTest, EmptyStepTakesNoTime) {
  const RooflineLatencyModel model(FindModelSpec("qwen3-8b"), FindGpuSpec("h100"), 1);
  EXPECT_EQ(model.StepSeconds(StepShape{}), 0);
  EXPECT_EQ(model.StepSeconds(Uniform(3, 0, 100)), 0);
}

TEST_F(LatencyModelTest, MoreWorkIsNeverFaster) {
  const RooflineLatencyModel model(FindModelSpec("llama-3.1-8b"), FindGpuSpec("h100"), 1);
  double previous = 0;
  for (int64_t tokens : {1, 2, 16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384}) {
    const double t = model.StepSeconds(Uniform(1, tokens, 0));
    EXPECT_GE(t, previous) << tokens << " new tokens";
    previous = t;
  }
  previous = 0;
  for (int64_t context : {0, 100, 1000, 10000, 100000}) {
    const double t = model.StepSeconds(Uniform(32, 1, context));
    EXPECT_GE(t, previous) << context << " context tokens";
    previous = t;
  }
  previous = 0;
  for (int64_t batch : {1, 2, 8, 32, 128, 256, 512}) {
    const double t = model.StepSeconds(Uniform(batch, 1, 1024));
    EXPECT_GE(t, previous) << "batch " << batch;
    previous = t;
  }
  // Adding a decode to a prefill chunk (a mixed vLLM v1 step) never makes the step faster.
  StepShape mixed = Uniform(1, 2048, 0);
  const double alone = model.StepSeconds(mixed);
  mixed.seqs.push_back(SeqWork{1, 4096});
  EXPECT_GE(model.StepSeconds(mixed), alone);
}

TEST_F(LatencyModelTest, TensorParallelSpeedsUpLargePrefill) {
  const ModelSpec qwen = FindModelSpec("qwen3-8b");
  const GpuSpec h100 = FindGpuSpec("h100");
  const RooflineLatencyModel tp1(qwen, h100, 1);
  const RooflineLatencyModel tp2(qwen, h100, 2);
  const StepShape prefill = Uniform(1, 8192, 0);
  EXPECT_LT(tp2.StepSeconds(prefill), tp1.StepSeconds(prefill));
  const StepBreakdown b = tp2.Breakdown(prefill);
  // 2 all-reduces x 36 layers of 8192 * 4096 * 2 bytes over 450 GB/s NVLink (ring factor 1) plus
  // 15 us each.
  ExpectRel(b.comm_s, 72 * (8192.0 * 4096 * 2 / 450e9 + 15e-6));
  EXPECT_EQ(tp1.Breakdown(prefill).comm_s, 0);
  EXPECT_THROW(RooflineLatencyModel(qwen, h100, 3), InputError);
  EXPECT_THROW(RooflineLatencyModel(qwen, h100, 0), InputError);
}

TEST_F(LatencyModelTest, ParamsOverrideTheGpuDefaults) {
  const ModelSpec qwen = FindModelSpec("qwen3-8b");
  const GpuSpec h100 = FindGpuSpec("h100");
  LatencyParams p = h100.latency;
  p.mfu = h100.latency.mfu / 2;
  const RooflineLatencyModel slow(qwen, h100, p, 1);
  const RooflineLatencyModel normal(qwen, h100, 1);
  ExpectRel(slow.Breakdown(Uniform(1, 8192, 0)).compute_s,
            2 * normal.Breakdown(Uniform(1, 8192, 0)).compute_s);
}

TEST_F(LatencyModelTest, NumGpuBlocksMatchesHandComputation) {
  const ModelSpec qwen = FindModelSpec("qwen3-8b");
  const GpuSpec h100 = FindGpuSpec("h100");
  // (85,520,809,984 * 0.9 - 8.19e9 * 2 - 2 GiB) / (147,456 * 16) = 24,770.6 -> 24,770 blocks.
  EXPECT_EQ(NumGpuBlocks(qwen, h100, 1, 16, 0.9), 24770);
  // TP=2 halves the weights and the KV per token per GPU.
  // (76,968,728,985.6 - 8.19e9 - 2,147,483,648) / (73,728 * 16) = 56,484.0 -> 56,484.
  EXPECT_EQ(NumGpuBlocks(qwen, h100, 2, 16, 0.9), 56484);
  EXPECT_EQ(NumGpuBlocks(FindModelSpec("llama-3-70b"), h100, 1, 16, 0.9), 0);
  EXPECT_THROW(NumGpuBlocks(qwen, h100, 1, 16, 1.5), InputError);
}

}  // namespace
}  // namespace kvb
