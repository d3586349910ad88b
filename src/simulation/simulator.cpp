#include "simulation/simulator.h"

#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <thread>

#include "simulation/block_cache.h"
#include "simulation/lru_mrc.h"
#include "simulation/policy_registry.h"
#include "utils/errors.h"

namespace kvb {
namespace {

constexpr double kMaxWindows = 1 << 20;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Something that consumes every batch in order.
class Consumer {
 public:
  virtual ~Consumer() = default;
  virtual void Process(const SimBatch& batch) = 0;
  double cpu_s = 0;
};

class CacheRun final : public Consumer {
 public:
  CacheRun(RunResult meta, std::unique_ptr<EvictionPolicy> policy, HitMode mode, double t0,
           double window, size_t max_turn)
      : result_(std::move(meta)),
        cache_(result_.capacity_blocks, std::move(policy)),
        mode_(mode),
        t0_(t0),
        window_(window),
        max_turn_(max_turn) {}

  void Process(const SimBatch& batch) override {
    AccessContext ctx;
    const bool has_next = !batch.next_use.empty();
    for (const SimRequest& r : batch.requests) {
      ctx.time_s = r.time_s;
      ctx.conversation_id = r.conversation_id;
      ctx.turn = r.turn;
      ctx.category = r.category;
      ctx.blocks_in_request = r.num_blocks;
      Tally t;
      t.requests = 1;
      t.accesses = r.num_blocks;
      t.prompt_tokens = static_cast<uint64_t>(r.input_tokens);
      bool prefix_alive = true;
      for (uint32_t j = 0; j < r.num_blocks; ++j) {
        const size_t i = r.first + j;
        ctx.block_index = j;
        ctx.access_index = batch.base_index + i;
        if (has_next) ctx.next_access = batch.next_use[i];
        const bool hit = cache_.Access(batch.keys[i], ctx);
        prefix_alive = prefix_alive && hit;
        if (mode_ == HitMode::kPrefix ? prefix_alive : hit) {
          ++t.hits;
          t.hit_tokens += batch.tokens[i];
        }
      }
      cache_.EndRequest();
      result_.total.Add(t);
      // A wild timestamp must not allocate a giant series: windows past kMaxWindows share the
      // last one (reported in summary.json as the series length).
      const double w = std::floor((r.time_s - t0_) / window_);
      const size_t wi = w > 0 ? static_cast<size_t>(std::min(w, kMaxWindows)) : 0;
      if (wi >= result_.windows.size()) result_.windows.resize(wi + 1);
      result_.windows[wi].Add(t);
      const size_t ti = std::min<size_t>(static_cast<size_t>(std::max(0, r.turn)), max_turn_);
      if (ti >= result_.turns.size()) result_.turns.resize(ti + 1);
      result_.turns[ti].Add(t);
    }
  }

  RunResult Finish() {
    result_.evictions = cache_.stats().evictions;
    result_.elapsed_s = cpu_s;
    return std::move(result_);
  }

 private:
  RunResult result_;
  BlockCache cache_;
  HitMode mode_;
  double t0_, window_;
  size_t max_turn_;
};

class MrcRun final : public Consumer {
 public:
  explicit MrcRun(HitMode mode) : mrc_(mode) {}
  void Process(const SimBatch& batch) override { mrc_.Process(batch); }
  const LruMrc& mrc() const { return mrc_; }

 private:
  LruMrc mrc_;
};

// Runs every consumer over `batch`, spread over `threads` threads (consumer k on thread
// k % threads), while `read_next` fills the other buffer on the calling thread.
template <typename ReadNext>
bool ProcessAndRead(std::vector<std::unique_ptr<Consumer>>& consumers, const SimBatch& batch,
                    int threads, ReadNext&& read_next) {
  const auto work = [&](size_t t, size_t stride) {
    for (size_t k = t; k < consumers.size(); k += stride) {
      const double start = ThreadCpuSeconds();
      consumers[k]->Process(batch);
      consumers[k]->cpu_s += ThreadCpuSeconds() - start;
    }
  };
  const size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), consumers.size());
  if (n <= 1) {
    work(0, 1);
    return read_next();
  }
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < n; ++t) {
    pool.emplace_back([&, t] {
      try {
        work(t, n);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  bool more = false;
  std::exception_ptr read_error;
  try {
    more = read_next();
  } catch (...) {
    read_error = std::current_exception();
  }
  for (auto& th : pool) th.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  if (read_error) std::rethrow_exception(read_error);
  return more;
}

}  // namespace

HitMode ParseHitMode(const std::string& text) {
  if (text == "prefix") return HitMode::kPrefix;
  if (text == "block") return HitMode::kBlock;
  throw InputError(fmt::format("unknown hit mode '{}'; valid: prefix, block", text));
}

SimulationResult RunSimulation(const SimulationConfig& config) {
  if (config.policies.empty()) throw InputError("no eviction policy given");
  if (config.capacities.empty()) throw InputError("no capacity given");
  bool needs_future = false;
  for (const auto& p : config.policies) needs_future |= FindPolicy(p).needs_future;

  AccessStream stream(config.input_path, config.stream);
  if (needs_future) stream.AttachNextUse(ComputeNextUse(config.input_path, config.stream));

  SimBatch batches[2];
  int cur = 0;
  SimulationResult result;
  if (!stream.Next(batches[cur])) {
    result.trace = stream.summary();
    result.read_issues = stream.reader().issues().Summary();
    result.malformed_records = stream.reader().issues().count();
    throw InputError(fmt::format("'{}' holds no usable request{}", config.input_path,
                                 result.read_issues.empty() ? "" : ":\n" + result.read_issues));
  }
  // The block size (and so capacities in tokens/bytes) is known once the first request is read.
  const TraceSummary& first = stream.summary();
  const double t0 = first.first_arrival_s;
  double window = config.window_s;
  if (window <= 0) window = first.has_timestamps ? 60.0 : 1e6;
  std::vector<uint64_t> capacity_blocks;
  for (const Capacity& c : config.capacities) {
    capacity_blocks.push_back(CapacityToBlocks(c, first.block_size, config.kv_bytes_per_token));
  }
  std::vector<std::unique_ptr<Consumer>> consumers;
  std::vector<CacheRun*> runs;
  for (const auto& name : config.policies) {
    for (size_t k = 0; k < config.capacities.size(); ++k) {
      RunResult meta;
      meta.policy = name;
      meta.capacity_text = config.capacities[k].text;
      meta.capacity_blocks = capacity_blocks[k];
      PolicyParams params{capacity_blocks[k]};
      auto run = std::make_unique<CacheRun>(std::move(meta), MakePolicy(name, params),
                                            config.hit_mode, t0, window, config.max_turn_bucket);
      runs.push_back(run.get());
      consumers.push_back(std::move(run));
    }
  }
  MrcRun* mrc = nullptr;
  if (config.mrc) {
    auto m = std::make_unique<MrcRun>(config.hit_mode);
    mrc = m.get();
    consumers.push_back(std::move(m));
  }

  bool more = true;
  while (more) {
    const int next = 1 - cur;
    more = ProcessAndRead(consumers, batches[cur], config.jobs,
                          [&] { return stream.Next(batches[next]); });
    cur = next;
  }

  result.trace = stream.summary();
  result.window_s = window;
  for (CacheRun* r : runs) result.runs.push_back(r->Finish());
  if (mrc != nullptr) {
    result.mrc = mrc->mrc().Result(capacity_blocks);
    result.mrc->elapsed_s = mrc->cpu_s;
  }
  result.read_issues = stream.reader().issues().Summary();
  result.malformed_records = stream.reader().issues().count();
  return result;
}

}  // namespace kvb
