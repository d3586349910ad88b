// Google Benchmark: policy throughput on an in-memory Zipf(0.9) block trace (no parsing), and
// the one-pass LRU MRC against one lru run. See docs/performance.md for the commands.
#include <benchmark/benchmark.h>

#include <random>

#include "simulation/access_stream.h"
#include "simulation/block_cache.h"
#include "simulation/lru_mrc.h"
#include "simulation/policy_registry.h"
#include "zipf.h"

namespace {

// 4M accesses over 800k objects (Zipf 0.9): the shape of the 20M-access trace, smaller.
const std::vector<uint64_t>& Trace() {
  static const std::vector<uint64_t> trace = [] {
    std::mt19937_64 rng(42);
    kvb::bench::ZipfGenerator zipf(800'000, 0.9);
    std::vector<uint64_t> t(4'000'000);
    for (auto& id : t) id = kvb::bench::ZipfGenerator::Scramble(zipf.NextRank(rng));
    return t;
  }();
  return trace;
}

const std::vector<uint64_t>& NextUse() {
  static const std::vector<uint64_t> next = [] {
    const auto& t = Trace();
    std::vector<uint64_t> n(t.size(), kvb::kNeverAccessed);
    boost::unordered_flat_map<uint64_t, uint64_t> last;
    for (size_t i = t.size(); i-- > 0;) {
      auto [it, inserted] = last.try_emplace(t[i], i);
      if (!inserted) {
        n[i] = it->second;
        it->second = i;
      }
    }
    return n;
  }();
  return next;
}

// Capacity as a fraction (per mille) of the trace's ~540k distinct blocks.
void BM_Policy(benchmark::State& state, const char* policy) {
  const auto& trace = Trace();
  const bool future = kvb::FindPolicy(policy).needs_future;
  const auto& next = future ? NextUse() : trace;
  const uint64_t capacity = 540'000ULL * static_cast<uint64_t>(state.range(0)) / 1000;
  uint64_t hits = 0;
  for (auto _ : state) {
    kvb::BlockCache cache(capacity, kvb::MakePolicy(policy, {capacity}));
    kvb::AccessContext ctx;
    for (size_t i = 0; i < trace.size(); ++i) {
      ctx.access_index = i;
      if (future) ctx.next_access = next[i];
      hits += cache.Access(trace[i], ctx);
      cache.EndRequest();
    }
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * trace.size()));
  state.counters["hit_ratio"] =
      static_cast<double>(hits) / static_cast<double>(state.iterations() * trace.size());
}

void BM_LruMrc(benchmark::State& state) {
  const auto& trace = Trace();
  kvb::SimBatch batch;
  batch.keys = trace;
  batch.tokens.assign(trace.size(), 1);
  for (uint32_t i = 0; i < trace.size(); ++i) {
    kvb::SimRequest r;
    r.first = i;
    r.num_blocks = 1;
    r.input_tokens = 1;
    batch.requests.push_back(r);
  }
  for (auto _ : state) {
    kvb::LruMrc mrc(kvb::HitMode::kBlock);
    mrc.Process(batch);
    benchmark::DoNotOptimize(mrc.Result({54'000}));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * trace.size()));
}

}  // namespace

BENCHMARK_CAPTURE(BM_Policy, lru, "lru")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, fifo, "fifo")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, sieve, "sieve")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, lfu, "lfu")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, arc, "arc")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, s3fifo, "s3fifo")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, belady, "belady")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, vllm, "vllm")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Policy, conversation_aware, "conversation-aware")
    ->Arg(100)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LruMrc)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
