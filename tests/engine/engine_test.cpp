// kvb::Engine: hand-worked scheduler scenarios (prefix hits, chunked prefill, preemption, LMCache
// loads, exact step times with a fake latency model), determinism and config validation.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "config/gpu_spec.h"
#include "config/model_spec.h"
#include "utils/errors.h"

namespace kvb {
namespace {

constexpr double kStepS = 1e-3;   // fake model: 1 ms per step
constexpr double kTokenS = 1e-6;  // + 1 us per new token
// Qwen3-8B: 2 * 36 layers * 8 kv heads * 128 head dim * 2 bytes.
constexpr double kKvBytesPerToken = 147456;

// 1 ms per step + 1 us per new token; records every step's shape when asked.
class FakeLatency final : public LatencyModel {
 public:
  explicit FakeLatency(std::vector<StepShape>* shapes = nullptr) : shapes_(shapes) {}
  double StepSeconds(const StepShape& step) const override {
    if (shapes_ != nullptr) shapes_->push_back(step);
    int64_t tokens = 0;
    for (const SeqWork& s : step.seqs) tokens += s.new_tokens;
    return tokens == 0 ? 0.0 : kStepS + kTokenS * static_cast<double>(tokens);
  }

 private:
  std::vector<StepShape>* shapes_;
};

double StepTime(int64_t tokens) { return kStepS + kTokenS * static_cast<double>(tokens); }

std::vector<uint64_t> Hashes(size_t n, uint64_t first) {
  std::vector<uint64_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

EngineRequest Request(int64_t prompt_tokens, int64_t max_output_tokens,
                      std::vector<uint64_t> block_hashes, double arrival_s = 0) {
  EngineRequest r;
  r.request_id.assign(1, 'r');
  r.arrival_s = arrival_s;
  r.prompt_tokens = prompt_tokens;
  r.max_output_tokens = max_output_tokens;
  r.block_hashes = std::move(block_hashes);
  return r;
}

// Steps until no work is left; returns the end time. Collects the events.
double RunAll(Engine& engine, double now_s, std::vector<EngineEvent>* events = nullptr) {
  std::vector<EngineEvent> local;
  std::vector<EngineEvent>& out = events != nullptr ? *events : local;
  int guard = 0;
  while (engine.HasWork() && ++guard < 1000000) now_s = engine.Step(now_s, out);
  return now_s;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("KVB_CONFIG_DIR", KVB_SOURCE_DIR "/configs", 1); }

  EngineConfig Config() const {
    EngineConfig c;
    c.model = FindModelSpec("qwen3-8b");
    c.gpu = FindGpuSpec("h100");
    c.num_gpu_blocks = 1000;
    c.max_model_len = 4096;
    return c;
  }
};

TEST_F(EngineTest, SamePromptTwiceHitsAllButTheLastToken) {
  Engine engine(Config(), std::make_unique<FakeLatency>());
  // 100 tokens: 6 full blocks + a partial one (its hash, as a trace carries, is ignored).
  const uint32_t a = engine.Submit(Request(100, 1, Hashes(7, 1)));
  double t = RunAll(engine, 0);
  EXPECT_EQ(engine.result(a).gpu_hit_tokens, 0);
  EXPECT_EQ(engine.result(a).computed_tokens, 100);
  // Second time: 6 full blocks = 96 tokens cached, and 96 <= floor(99 / 16) * 16 = 96.
  const uint32_t b = engine.Submit(Request(100, 1, Hashes(7, 1), t));
  t = RunAll(engine, t);
  EXPECT_EQ(engine.result(b).gpu_hit_tokens, 96);
  EXPECT_EQ(engine.result(b).computed_tokens, 4);
  // Block-aligned 96-token prompt (same first 6 hashes): floor(95 / 16) * 16 = 80 — the whole
  // last block is recomputed.
  const uint32_t c = engine.Submit(Request(96, 1, Hashes(6, 1), t));
  RunAll(engine, t);
  EXPECT_EQ(engine.result(c).gpu_hit_tokens, 80);
  EXPECT_EQ(engine.result(c).computed_tokens, 16);
  EXPECT_EQ(engine.stats().prefix_query_tokens, 100 + 100 + 96);
  EXPECT_EQ(engine.stats().prefix_hit_tokens, 96 + 80);
}

TEST_F(EngineTest, SingleRequestTimesByHand) {
  std::vector<StepShape> shapes;
  Engine engine(Config(), std::make_unique<FakeLatency>(&shapes));
  const uint32_t r = engine.Submit(Request(100, 3, {}, 0.5));
  std::vector<EngineEvent> events;
  const double end = RunAll(engine, 0.5, &events);
  // Step 1 (t = 0.5): prefill 100 tokens -> 1 ms + 100 us = 0.0011 s; first token at 0.5011.
  // Step 2: decode 1 token (context 100) -> 0.001001 s; token 2 at 0.502101.
  // Step 3: decode 1 token (context 101) -> 0.001001 s; token 3 at 0.503102, finished.
  const EngineRequestResult& res = engine.result(r);
  EXPECT_DOUBLE_EQ(res.scheduled_s, 0.5);
  EXPECT_NEAR(res.first_token_s, 0.5011, 1e-12);
  EXPECT_NEAR(res.finish_s, 0.503102, 1e-12);
  EXPECT_DOUBLE_EQ(end, res.finish_s);
  EXPECT_EQ(res.output_tokens, 3);
  ASSERT_EQ(shapes.size(), 3u);
  EXPECT_EQ(shapes[0].seqs[0].new_tokens, 100);
  EXPECT_EQ(shapes[0].seqs[0].context_tokens, 0);
  EXPECT_EQ(shapes[1].seqs[0].new_tokens, 1);
  EXPECT_EQ(shapes[1].seqs[0].context_tokens, 100);
  EXPECT_EQ(shapes[2].seqs[0].context_tokens, 101);
  // Events: first token, token, token + finished (same time).
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, EngineEvent::Kind::kFirstToken);
  EXPECT_EQ(events[1].kind, EngineEvent::Kind::kToken);
  EXPECT_EQ(events[2].kind, EngineEvent::Kind::kToken);
  EXPECT_EQ(events[3].kind, EngineEvent::Kind::kFinished);
  EXPECT_DOUBLE_EQ(events[3].time_s, res.finish_s);
  const EngineStats& st = engine.stats();
  EXPECT_EQ(st.steps, 3);
  EXPECT_EQ(st.prompt_tokens, 100);
  EXPECT_EQ(st.generation_tokens, 3);
  EXPECT_NEAR(st.busy_s, 0.003102, 1e-12);
  ASSERT_EQ(engine.samples().size(), 3u);
  EXPECT_EQ(engine.samples().back().running, 0);
  EXPECT_EQ(engine.samples()[0].running, 1);
  // 100 tokens in 7 blocks of 1000 after step 1.
  EXPECT_DOUBLE_EQ(engine.samples()[0].kv_usage, 7.0 / 1000);
  EXPECT_DOUBLE_EQ(engine.kv_usage(), 0);
}

TEST_F(EngineTest, ChunkedPrefillTakesCeilPromptOverBudgetSteps) {
  EngineConfig config = Config();
  config.max_num_batched_tokens = 64;
  std::vector<StepShape> shapes;
  Engine engine(config, std::make_unique<FakeLatency>(&shapes));
  const uint32_t r = engine.Submit(Request(200, 2, {}));
  RunAll(engine, 0);
  // ceil(200 / 64) = 4 prefill steps: 64, 64, 64, 8 tokens with context 0, 64, 128, 192; the 4th
  // produces the first token at 3 * 0.001064 + 0.001008 = 0.0042; one decode step follows.
  ASSERT_EQ(shapes.size(), 5u);
  const int64_t chunks[] = {64, 64, 64, 8, 1};
  const int64_t contexts[] = {0, 64, 128, 192, 200};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(shapes[i].seqs[0].new_tokens, chunks[i]) << i;
    EXPECT_EQ(shapes[i].seqs[0].context_tokens, contexts[i]) << i;
  }
  EXPECT_NEAR(engine.result(r).first_token_s, 3 * StepTime(64) + StepTime(8), 1e-12);
  EXPECT_NEAR(engine.result(r).first_token_s, 0.0042, 1e-12);
  EXPECT_NEAR(engine.result(r).finish_s, 0.0042 + StepTime(1), 1e-12);
  EXPECT_EQ(engine.result(r).computed_tokens, 200);
}

TEST_F(EngineTest, ChunkedPrefillSharesTheBudgetWithDecodes) {
  EngineConfig config = Config();
  config.max_num_batched_tokens = 64;
  std::vector<StepShape> shapes;
  Engine engine(config, std::make_unique<FakeLatency>(&shapes));
  engine.Submit(Request(10, 5, {}));
  std::vector<EngineEvent> events;
  double t = engine.Step(0, events);  // prefill of the first request (10 tokens)
  engine.Submit(Request(100, 1, {}, t));
  t = engine.Step(t, events);
  // Running decode first (1 token), then the newcomer gets 64 - 1 = 63 tokens.
  ASSERT_EQ(shapes[1].seqs.size(), 2u);
  EXPECT_EQ(shapes[1].seqs[0].new_tokens, 1);
  EXPECT_EQ(shapes[1].seqs[1].new_tokens, 63);
  t = engine.Step(t, events);
  EXPECT_EQ(shapes[2].seqs[1].new_tokens, 37);
  EXPECT_EQ(shapes[2].seqs[1].context_tokens, 63);
}

TEST_F(EngineTest, PreemptionWhenThePoolIsFullAndBothFinish) {
  EngineConfig config = Config();
  // max_model_len 64 needs 4 blocks of 16; the pool has exactly 4.
  config.num_gpu_blocks = 4;
  config.max_model_len = 64;
  Engine engine(config, std::make_unique<FakeLatency>());
  // No hashes: nothing is ever a prefix hit, so the block counts are plain.
  const uint32_t a = engine.Submit(Request(32, 20, {}));
  const uint32_t b = engine.Submit(Request(32, 20, {}));
  std::vector<EngineEvent> events;
  // Step 1: both admitted, 2 blocks each (pool full), both produce their first token.
  double t = engine.Step(0, events);
  EXPECT_EQ(engine.num_running(), 2);
  EXPECT_DOUBLE_EQ(engine.kv_usage(), 1.0);
  // Step 2: A's decode writes token 33 -> needs a 3rd block, none free -> preempts the last
  // running request, B (frees 2 blocks). B goes back to the front of the queue, and no waiting
  // request is admitted in a step that preempted.
  t = engine.Step(t, events);
  EXPECT_EQ(engine.num_running(), 1);
  EXPECT_EQ(engine.num_waiting(), 1);
  EXPECT_EQ(engine.result(b).preemptions, 1);
  // B needs ceil((32 + 1) / 16) = 3 blocks to resume; A holds 3, then 4: B waits until A ends.
  t = RunAll(engine, t);
  const EngineRequestResult& ra = engine.result(a);
  const EngineRequestResult& rb = engine.result(b);
  EXPECT_EQ(ra.output_tokens, 20);
  EXPECT_EQ(rb.output_tokens, 20);
  EXPECT_EQ(ra.preemptions, 0);
  EXPECT_EQ(rb.preemptions, 1);
  EXPECT_EQ(engine.stats().preemptions, 1);
  // A prefilled its 32 tokens once; B 32, then recomputed prompt + 1 generated token = 33.
  EXPECT_EQ(ra.computed_tokens, 32);
  EXPECT_EQ(rb.computed_tokens, 32 + 33);
  EXPECT_LT(ra.finish_s, rb.finish_s);
  // B's resumption recompute produces its 2nd token after A's finish step.
  EXPECT_GT(rb.finish_s, ra.finish_s);
  EXPECT_DOUBLE_EQ(rb.first_token_s, ra.first_token_s);
  EXPECT_DOUBLE_EQ(engine.kv_usage(), 0);
  EXPECT_EQ(engine.stats().generation_tokens, 40);
  // Steps: 1 joint, 19 for A's decodes (B preempted in the first), then B: 1 recompute
  // (token 2) + 18 decodes.
  EXPECT_EQ(engine.stats().steps, 1 + 19 + 1 + 18);
}

// A's prompt (512 tokens = 2 chunks of 256) is stored in LMCache; two other prompts evict all
// of A's GPU blocks; A's prompt again loads from the tier. N - 1 rule: floor(511 / 256) = 1 chunk
// may be loaded (loading both would leave no token to compute), so 256 tokens come from the tier.
class LmcacheScenario : public EngineTest, public ::testing::WithParamInterface<bool> {};

TEST_P(LmcacheScenario, HitAfterGpuEviction) {
  const bool disk = GetParam();
  EngineConfig config = Config();
  config.num_gpu_blocks = 40;  // 640 tokens: room for one 512-token prompt at a time
  config.max_model_len = 520;  // needs 33 blocks
  const double chunk_bytes = 256 * kKvBytesPerToken;
  (disk ? config.lmcache.disk_bytes : config.lmcache.cpu_bytes) = 8 * chunk_bytes;
  config.lmcache.cpu_bandwidth_bytes_per_s = 1e9;
  config.lmcache.disk_bandwidth_bytes_per_s = 2e9;
  Engine engine(config, std::make_unique<FakeLatency>());
  double t = 0;
  for (uint64_t first : {1000, 2000, 3000}) {  // A, then two evictors
    engine.Submit(Request(512, 1, Hashes(32, first), t));
    t = RunAll(engine, t);
  }
  EXPECT_GE(engine.stats().gpu_evicted_blocks, 32);
  const uint32_t again = engine.Submit(Request(512, 1, Hashes(32, 1000), t));
  const double start = t;
  t = RunAll(engine, t);
  const EngineRequestResult& r = engine.result(again);
  EXPECT_EQ(r.gpu_hit_tokens, 0);
  EXPECT_EQ(disk ? r.disk_hit_tokens : r.cpu_hit_tokens, 256);
  EXPECT_EQ(disk ? r.cpu_hit_tokens : r.disk_hit_tokens, 0);
  EXPECT_EQ(r.computed_tokens, 256);
  // Load: 256 tokens * 147456 B = 37,748,736 B; at 1e9 B/s (CPU) 0.037748736 s, at 2e9 B/s
  // (disk) 0.018874368 s. The step computes the other 256 tokens: 1 ms + 256 us.
  const double load_s = disk ? 0.018874368 : 0.037748736;
  EXPECT_NEAR(r.first_token_s - start, StepTime(256) + load_s, 1e-12);
  EXPECT_EQ(disk ? engine.stats().disk_hit_tokens : engine.stats().cpu_hit_tokens, 256);
  EXPECT_EQ(engine.stats().external_hit_tokens, 256);
  EXPECT_EQ(engine.stats().external_query_tokens, 4 * 512);
}

INSTANTIATE_TEST_SUITE_P(CpuOrDisk, LmcacheScenario, ::testing::Values(false, true));

TEST_F(EngineTest, LmcacheDoesNotLoadWhatTheGpuHolds) {
  EngineConfig config = Config();
  config.lmcache.cpu_bytes = 8 * 256 * kKvBytesPerToken;
  Engine engine(config, std::make_unique<FakeLatency>());
  engine.Submit(Request(600, 1, Hashes(37, 1)));
  double t = RunAll(engine, 0);
  const uint32_t b = engine.Submit(Request(600, 1, Hashes(37, 1), t));
  RunAll(engine, t);
  // GPU: 37 full blocks = 592 tokens (<= 599); the tier's 2 chunks (512) add nothing.
  EXPECT_EQ(engine.result(b).gpu_hit_tokens, 592);
  EXPECT_EQ(engine.result(b).cpu_hit_tokens, 0);
  EXPECT_EQ(engine.result(b).computed_tokens, 8);
}

TEST_F(EngineTest, MaxNumSeqsRespected) {
  EngineConfig config = Config();
  config.max_num_seqs = 2;
  Engine engine(config, std::make_unique<FakeLatency>());
  for (int i = 0; i < 5; ++i) engine.Submit(Request(20, 10, {}));
  std::vector<EngineEvent> events;
  double t = engine.Step(0, events);
  EXPECT_EQ(engine.num_running(), 2);
  EXPECT_EQ(engine.num_waiting(), 3);
  t = RunAll(engine, t);
  for (const EngineSample& s : engine.samples()) EXPECT_LE(s.running, 2);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(engine.result(i).output_tokens, 10);
  // Pairs run 10 steps each (1 prefill + 9 decodes), the last request alone: 30 steps.
  EXPECT_EQ(engine.stats().steps, 30);
}

TEST_F(EngineTest, RejectsImpossibleRequests) {
  EngineConfig config = Config();
  config.max_model_len = 128;
  Engine engine(config, std::make_unique<FakeLatency>());
  const uint32_t too_long = engine.Submit(Request(120, 9, {}, 1.5));
  const uint32_t empty = engine.Submit(Request(0, 1, {}));
  const uint32_t ok = engine.Submit(Request(120, 8, {}));
  EXPECT_NE(engine.result(too_long).error.find("exceeds max_model_len 128"), std::string::npos)
      << engine.result(too_long).error;
  EXPECT_FALSE(engine.result(empty).error.empty());
  EXPECT_TRUE(engine.result(ok).error.empty());
  std::vector<EngineEvent> events;
  RunAll(engine, 2.0, &events);
  int rejected = 0;
  for (const EngineEvent& e : events) {
    if (e.kind != EngineEvent::Kind::kRejected) continue;
    ++rejected;
    if (e.request == too_long) {
      EXPECT_DOUBLE_EQ(e.time_s, 1.5);
    }
  }
  EXPECT_EQ(rejected, 2);
  EXPECT_EQ(engine.result(ok).output_tokens, 8);
  EXPECT_EQ(engine.result(too_long).first_token_s, -1);
}

TEST_F(EngineTest, FutureArrivalsWaitForTheirTime) {
  Engine engine(Config(), std::make_unique<FakeLatency>());
  engine.Submit(Request(10, 1, {}, 5.0));
  std::vector<EngineEvent> events;
  EXPECT_DOUBLE_EQ(engine.Step(1.0, events), 1.0);
  EXPECT_TRUE(events.empty());
  EXPECT_NEAR(engine.Step(5.0, events), 5.0 + StepTime(10), 1e-12);
}

void CheckInputError(const EngineConfig& config, const std::string& needle) {
  try {
    Engine engine(config, std::make_unique<FakeLatency>());
    ADD_FAILURE() << "no InputError for " << needle;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST_F(EngineTest, BadConfigsThrowInputError) {
  EngineConfig c = Config();
  c.num_gpu_blocks = -1;
  CheckInputError(c, "num_gpu_blocks");
  c = Config();
  c.max_num_seqs = 0;
  CheckInputError(c, "max_num_seqs");
  c = Config();
  c.max_num_batched_tokens = -5;
  CheckInputError(c, "max_num_batched_tokens");
  c = Config();
  c.max_model_len = -1;
  CheckInputError(c, "max_model_len");
  c = Config();
  c.tensor_parallel = 0;
  CheckInputError(c, "tensor_parallel");
  c = Config();
  c.lmcache.cpu_bytes = -1;
  CheckInputError(c, "cpu_bytes");
  // 100 blocks of 16 tokens = 1600 < 4096 / 16 = 256 blocks for one max_model_len request.
  c = Config();
  c.num_gpu_blocks = 100;
  CheckInputError(c, "100 blocks of 16 tokens, fewer than the 256 blocks");
  c = Config();
  c.lmcache.cpu_bytes = 1e9;
  c.lmcache.policy = "no-such-policy";
  CheckInputError(c, "no-such-policy");
  c = Config();
  c.lmcache.cpu_bytes = 1e9;
  c.lmcache.chunk_size = 100;
  CheckInputError(c, "chunk_size 100");
  // A GPU whose memory the weights fill: no KV blocks.
  c = Config();
  c.num_gpu_blocks = 0;
  c.gpu.memory_bytes = 1e9;
  CheckInputError(c, "no GPU memory left");
}

TEST_F(EngineTest, DerivedBlocksAndDefaultLatencyModel) {
  EngineConfig c = Config();
  c.num_gpu_blocks = 0;
  c.max_model_len = 0;  // the model's
  Engine engine(c, nullptr);
  // docs/engine.md: 24,770 blocks for Qwen3-8B on one H100 at 0.9.
  EXPECT_EQ(engine.num_gpu_blocks(), 24770);
  engine.Submit(Request(8192, 1, {}));
  std::vector<EngineEvent> events;
  // docs/engine.md: a prefill of 8192 tokens from an empty cache takes 208.22 ms.
  EXPECT_NEAR(engine.Step(0, events), 0.20822, 1e-4);
}

std::vector<EngineRequest> MixedWorkload() {
  std::vector<EngineRequest> out;
  for (int i = 0; i < 60; ++i) {
    // 6 conversations whose turns extend a shared prefix; 700 .. 1900 tokens.
    const int conv = i % 6;
    const int turn = i / 6 + 1;
    const int64_t prompt = 700 + 120 * turn + conv;
    EngineRequest r =
        Request(prompt, 5 + (i * 7) % 40,
                Hashes(static_cast<size_t>(prompt / 16), 100000 * (conv + 1)), 0.05 * i);
    r.conversation_id = conv;
    r.turn = turn;
    out.push_back(std::move(r));
  }
  return out;
}

struct RunOutput {
  std::vector<EngineRequestResult> results;
  std::vector<EngineSample> samples;
  EngineStats stats;
  std::vector<EngineEvent> events;
};

RunOutput RunWorkload(const EngineConfig& config) {
  Engine engine(config, std::make_unique<FakeLatency>());
  RunOutput out;
  const std::vector<EngineRequest> requests = MixedWorkload();
  size_t next = 0;
  double t = 0;
  int guard = 0;
  while ((next < requests.size() || engine.HasWork()) && ++guard < 1000000) {
    while (next < requests.size() && requests[next].arrival_s <= t) engine.Submit(requests[next++]);
    if (!engine.HasWork()) {
      t = requests[next].arrival_s;
      continue;
    }
    const double end = engine.Step(t, out.events);
    t = end > t ? end : (next < requests.size() ? requests[next].arrival_s : t);
  }
  for (uint32_t i = 0; i < engine.num_requests(); ++i) out.results.push_back(engine.result(i));
  out.samples = engine.samples();
  out.stats = engine.stats();
  return out;
}

TEST_F(EngineTest, DeterministicAndEveryRequestFinishes) {
  EngineConfig config = Config();
  config.num_gpu_blocks = 300;  // 4800 tokens: forces evictions and preemptions
  config.max_num_batched_tokens = 1024;
  config.lmcache.cpu_bytes = 12 * 256 * kKvBytesPerToken;
  config.lmcache.disk_bytes = 40 * 256 * kKvBytesPerToken;
  const RunOutput a = RunWorkload(config);
  const RunOutput b = RunWorkload(config);
  ASSERT_EQ(a.results.size(), b.results.size());
  for (size_t i = 0; i < a.results.size(); ++i) {
    const EngineRequestResult& x = a.results[i];
    const EngineRequestResult& y = b.results[i];
    EXPECT_EQ(x.first_token_s, y.first_token_s) << i;
    EXPECT_EQ(x.finish_s, y.finish_s) << i;
    EXPECT_EQ(x.gpu_hit_tokens, y.gpu_hit_tokens) << i;
    EXPECT_EQ(x.cpu_hit_tokens, y.cpu_hit_tokens) << i;
    EXPECT_EQ(x.disk_hit_tokens, y.disk_hit_tokens) << i;
    EXPECT_EQ(x.computed_tokens, y.computed_tokens) << i;
    EXPECT_EQ(x.preemptions, y.preemptions) << i;
    EXPECT_GT(x.finish_s, 0) << i;
    EXPECT_GE(x.first_token_s, x.arrival_s) << i;
  }
  ASSERT_EQ(a.samples.size(), b.samples.size());
  for (size_t i = 0; i < a.samples.size(); ++i) {
    EXPECT_EQ(a.samples[i].time_s, b.samples[i].time_s);
    EXPECT_EQ(a.samples[i].kv_usage, b.samples[i].kv_usage);
  }
  EXPECT_EQ(a.events.size(), b.events.size());
  EXPECT_EQ(a.stats.busy_s, b.stats.busy_s);
  EXPECT_EQ(a.stats.cpu_hit_tokens, b.stats.cpu_hit_tokens);
  EXPECT_EQ(a.stats.preemptions, b.stats.preemptions);
  // The workload exercises the interesting paths.
  EXPECT_GT(a.stats.prefix_hit_tokens, 0);
  EXPECT_GT(a.stats.cpu_hit_tokens + a.stats.disk_hit_tokens, 0);
  EXPECT_GT(a.stats.gpu_evicted_blocks, 0);
  EXPECT_GT(a.stats.preemptions, 0);
}

// Speed at the scale of the Mooncake conversation trace: 12,031 requests, ~145M prompt tokens
// (~12k each) with shared prefixes, 16-token blocks, a CPU tier. Run by hand on a Release build:
//   engine_tests --gtest_also_run_disabled_tests --gtest_filter='*MooncakeScale*'
TEST_F(EngineTest, DISABLED_MooncakeScaleSpeed) {
  EngineConfig config = Config();
  config.num_gpu_blocks = 0;
  config.max_model_len = 0;
  config.lmcache.cpu_bytes = 200e9;
  Engine engine(config, nullptr);  // the roofline model
  const int kRequests = 12031;
  std::vector<EngineEvent> events;
  double t = 0;
  int next = 0;
  int64_t prompt_total = 0;
  while (next < kRequests || engine.HasWork()) {
    while (next < kRequests && 0.3 * next <= t) {
      const int conv = next % 100;
      const int64_t prompt = 6000 + (next * 7919) % 12000;
      prompt_total += prompt;
      EngineRequest r =
          Request(prompt, 1 + (next * 31) % 400,
                  Hashes(static_cast<size_t>(prompt / 16), 1000000ULL * conv), 0.3 * next);
      r.conversation_id = conv;
      engine.Submit(std::move(r));
      ++next;
    }
    if (!engine.HasWork()) {
      t = 0.3 * next;
      continue;
    }
    events.clear();
    const double end = engine.Step(t, events);
    t = end > t ? end : 0.3 * next;
  }
  EXPECT_GT(prompt_total, 140'000'000);
  for (uint32_t i = 0; i < engine.num_requests(); ++i) EXPECT_GT(engine.result(i).finish_s, 0);
  std::printf("steps %lld, prefix hit %lld / %lld, cpu hit %lld, preemptions %lld\n",
              static_cast<long long>(engine.stats().steps),
              static_cast<long long>(engine.stats().prefix_hit_tokens),
              static_cast<long long>(engine.stats().prefix_query_tokens),
              static_cast<long long>(engine.stats().cpu_hit_tokens),
              static_cast<long long>(engine.stats().preemptions));
}

}  // namespace
}  // namespace kvb
