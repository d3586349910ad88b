// kvb::Engine: the scheduler and step loop of one vLLM v1 (+LMCache) instance (docs/engine.md).
//
// Scheduling follows vllm/v1/core/sched/scheduler.py (Scheduler.schedule), simplified:
//  - One token budget per step (max_num_batched_tokens). Every request has num_tokens = prompt +
//    output tokens so far and num_computed (tokens whose KV is in the GPU cache); a step gives it
//    min(num_tokens - num_computed, budget) new tokens. That one rule covers chunked prefill
//    (many tokens) and decode (exactly 1: the token sampled by the previous step). A token is
//    sampled when a step brings num_computed to num_tokens: the step that completes the prefill
//    produces the first output token, each later step one more.
//  - RUNNING requests first, in order. A request whose slots cannot be allocated preempts the LAST
//    running request (recompute preemption: its blocks are freed, num_computed = 0, it goes to the
//    FRONT of the waiting queue) and retries; a request that would preempt itself goes back to
//    waiting. As in vLLM, when a step preempted anything no waiting request is admitted.
//  - Then WAITING requests, FCFS, while budget > 0 and running < max_num_seqs. On each admission
//    (a resumed preempted request too) the GPU prefix cache is looked up, then the LMCache tiers
//    beyond it; a request that cannot get its blocks blocks the queue (head-of-line).
//  - A resumed preempted request recomputes its prompt AND the tokens it had generated (as vLLM
//    does; the pool's num_prompt_tokens is prompt + generated, hashes exist only for the prompt).
//    Its output tokens so far stay counted; the step completing its recompute samples the next one.
//  - A waiting request whose arrival_s is after the step's start is not admitted (and blocks the
//    queue): the caller should Submit at arrival.
//
// Simplifications against vLLM / LMCache:
//  - Prompt blocks are registered in the GPU prefix cache at the end of each step that computed
//    them (vLLM registers them when their slots are allocated, so a request admitted later in the
//    SAME step can already hit them; here it hits them from the next step on).
//  - LMCache: the external prefix is the longest run of leading chunks present in the CPU or the
//    disk tier (CPU first, then disk), capped so at least the last token is computed
//    (chunks <= floor((N - 1) / chunk_size)). Loads happen synchronously: their time
//    (LmcacheTier::Load, bytes / bandwidth, per tier) is added to the step's duration. Chunks
//    loaded from disk are not promoted into the CPU tier. Full prompt chunks are stored in the
//    CPU tier and written through to the disk tier once the prefill (or a recompute) completes,
//    not chunk by chunk as it proceeds. Tier sizes and bytes are per GPU worker (LMCache's
//    max_local_cpu_size is per worker): KV bytes per token are divided by min(tp, kv_heads).
//  - No speculative decoding, no structured output, no long_prefill_token_threshold, no
//    async scheduling, no priority scheduling, no encoder inputs, no KV-transfer (P/D) states.
//  - Per-request hit counts in EngineRequestResult are those of the first admission; EngineStats
//    counts every admission (prefix_* as GpuBlockPool::stats, once per successful Allocate).
//  - EngineStats::prompt_tokens counts a request's prompt once, when its first token is produced.
//  - Events: every sampled token gives kFirstToken (the first) or kToken (the others); the last
//    token is followed by kFinished with the same time. Rejected requests give kRejected, stamped
//    with their arrival_s, at the next Step.
#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <deque>
#include <limits>
#include <span>
#include <utility>

#include "engine/block_pool.h"
#include "engine/lmcache_tier.h"
#include "simulation/eviction_policy.h"
#include "utils/errors.h"

namespace kvb {
namespace {

enum class Phase : uint8_t { kWaiting, kRunning, kFinished, kRejected };

struct RequestState {
  EngineRequest request;
  EngineRequestResult result;
  Phase phase = Phase::kWaiting;
  bool admitted_once = false;
  int64_t num_computed = 0;    // tokens with KV in the GPU cache (this admission)
  int64_t prefill_target = 0;  // num_tokens at admission: tokens below it are (re)computed prompt

  int64_t NumTokens() const { return request.prompt_tokens + result.output_tokens; }
};

struct Scheduled {
  uint32_t request;
  int64_t num_computed_before;
  int64_t new_tokens;
};

void Check(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

}  // namespace

struct Engine::Impl {
  EngineConfig config;
  std::unique_ptr<LatencyModel> latency;
  int64_t max_model_len = 0;
  int64_t num_gpu_blocks = 0;
  std::unique_ptr<GpuBlockPool> pool;
  std::unique_ptr<LmcacheTier> cpu;
  std::unique_ptr<LmcacheTier> disk;

  std::vector<RequestState> requests;
  std::deque<uint32_t> waiting;
  std::vector<uint32_t> running;
  std::vector<uint32_t> pending_rejects;

  EngineStats stats;
  std::vector<EngineSample> samples;

  // Reused every step (no allocation in the step loop once warmed up).
  std::vector<Scheduled> scheduled;
  StepShape shape;
  std::vector<uint64_t> chunk_hashes;

  bool HasTiers() const { return cpu != nullptr || disk != nullptr; }

  std::span<const uint64_t> GpuHashes(const RequestState& s) const {
    if (!config.enable_prefix_caching) return {};
    return s.request.block_hashes;
  }

  AccessContext Context(const RequestState& s, double time_s) const {
    AccessContext ctx;
    ctx.time_s = time_s;
    ctx.conversation_id = s.request.conversation_id;
    ctx.turn = s.request.turn;
    return ctx;
  }

  void Preempt(uint32_t r) {
    RequestState& s = requests[r];
    pool->Free(r);
    s.num_computed = 0;
    s.phase = Phase::kWaiting;
    ++s.result.preemptions;
    ++stats.preemptions;
    waiting.push_front(r);
  }

  void Schedule(uint32_t r, int64_t new_tokens, double now_s) {
    RequestState& s = requests[r];
    if (s.result.scheduled_s < 0) s.result.scheduled_s = now_s;
    scheduled.push_back({r, s.num_computed, new_tokens});
    shape.seqs.push_back({new_tokens, s.num_computed});
  }

  // Tries to admit the waiting head. Returns false (nothing changed) when its blocks do not fit.
  bool Admit(uint32_t r, int64_t budget, double now_s, double& load_s) {
    RequestState& s = requests[r];
    const int64_t n_tokens = s.NumTokens();
    const std::span<const uint64_t> gpu_hashes = GpuHashes(s);
    const int64_t block_size = config.block_size;
    const int64_t gpu_hit = pool->LongestCachedPrefix(gpu_hashes, n_tokens) * block_size;

    int64_t cpu_chunks = 0, disk_chunks = 0, chunk = 0;
    std::span<const uint64_t> chunks;
    if (HasTiers()) {
      chunk = config.lmcache.chunk_size;
      chunk_hashes.clear();
      AppendChunkHashes(s.request.block_hashes, config.block_size, config.lmcache.chunk_size,
                        s.request.prompt_tokens, chunk_hashes);
      // N - 1 rule: the last token is always computed.
      const size_t cap = static_cast<size_t>((n_tokens - 1) / chunk);
      chunks = std::span<const uint64_t>(chunk_hashes).first(std::min(cap, chunk_hashes.size()));
      if (cpu) cpu_chunks = cpu->LongestPrefixChunks(chunks);
      if (disk) disk_chunks = disk->LongestPrefixChunks(chunks);
    }
    const int64_t cpu_end = cpu_chunks * chunk;
    const int64_t ext_end = std::max(cpu_end, disk_chunks * chunk);
    const int64_t computed = std::max(gpu_hit, ext_end);
    const int64_t new_tokens = std::min(n_tokens - computed, budget);
    assert(new_tokens > 0);

    const std::optional<int64_t> hit =
        pool->Allocate(r, gpu_hashes, n_tokens, computed + new_tokens);
    if (!hit) return false;
    assert(*hit == gpu_hit);

    int64_t cpu_hit = 0, disk_hit = 0;
    if (HasTiers()) {
      if (cpu) cpu->Lookup(chunks, n_tokens);
      if (disk) disk->Lookup(chunks, n_tokens);
      const AccessContext ctx = Context(s, now_s);
      if (cpu_end > gpu_hit) {
        cpu_hit = cpu_end - gpu_hit;
        load_s += cpu->Load(chunks, cpu_chunks, gpu_hit, ctx);
      }
      const int64_t before_disk = std::max(gpu_hit, cpu_end);
      if (disk_chunks * chunk > before_disk) {
        disk_hit = disk_chunks * chunk - before_disk;
        load_s += disk->Load(chunks, disk_chunks, before_disk, ctx);
      }
      stats.external_query_tokens += n_tokens;
      stats.external_hit_tokens += cpu_hit + disk_hit;
      stats.cpu_hit_tokens += cpu_hit;
      stats.disk_hit_tokens += disk_hit;
    }
    if (!s.admitted_once) {
      s.admitted_once = true;
      s.result.gpu_hit_tokens = gpu_hit;
      s.result.cpu_hit_tokens = cpu_hit;
      s.result.disk_hit_tokens = disk_hit;
    }
    s.num_computed = computed;
    s.prefill_target = n_tokens;
    s.phase = Phase::kRunning;
    waiting.pop_front();
    running.push_back(r);
    Schedule(r, new_tokens, now_s);
    return true;
  }

  void StorePrompt(RequestState& s, double time_s) {
    chunk_hashes.clear();
    AppendChunkHashes(s.request.block_hashes, config.block_size, config.lmcache.chunk_size,
                      s.request.prompt_tokens, chunk_hashes);
    const AccessContext ctx = Context(s, time_s);
    if (cpu) cpu->Store(chunk_hashes, s.request.prompt_tokens, ctx);
    if (disk) disk->Store(chunk_hashes, s.request.prompt_tokens, ctx);
  }

  // Applies one scheduled entry after the step ran until end_s.
  void Complete(const Scheduled& sc, double end_s, std::vector<EngineEvent>& events) {
    RequestState& s = requests[sc.request];
    s.num_computed = sc.num_computed_before + sc.new_tokens;
    const bool prefill = sc.num_computed_before < s.prefill_target;
    if (prefill) {
      s.result.computed_tokens += sc.new_tokens;
      if (config.enable_prefix_caching) {
        pool->CacheFullBlocks(sc.request, s.request.block_hashes, s.num_computed);
      }
      if (s.num_computed >= s.prefill_target && HasTiers()) StorePrompt(s, end_s);
    }
    if (s.num_computed < s.NumTokens()) return;  // a prefill chunk that is not the last
    ++s.result.output_tokens;
    ++stats.generation_tokens;
    if (s.result.output_tokens == 1) {
      s.result.first_token_s = end_s;
      stats.prompt_tokens += s.request.prompt_tokens;
      events.push_back({EngineEvent::Kind::kFirstToken, sc.request, end_s});
    } else {
      events.push_back({EngineEvent::Kind::kToken, sc.request, end_s});
    }
    if (s.result.output_tokens >= s.request.max_output_tokens) {
      pool->Free(sc.request);
      s.phase = Phase::kFinished;
      s.result.finish_s = end_s;
      events.push_back({EngineEvent::Kind::kFinished, sc.request, end_s});
      // The hashes are no longer needed; release their memory.
      std::vector<uint64_t>().swap(s.request.block_hashes);
    }
  }

  void RefreshStats() {
    const GpuBlockPoolStats& p = pool->stats();
    stats.prefix_query_tokens = p.query_tokens;
    stats.prefix_hit_tokens = p.hit_tokens;
    stats.gpu_evicted_blocks = p.evicted_blocks;
    stats.cpu_evicted_chunks = cpu ? cpu->stats().evicted_chunks : 0;
    stats.disk_evicted_chunks = disk ? disk->stats().evicted_chunks : 0;
  }

  double Step(double now_s, std::vector<EngineEvent>& events) {
    for (uint32_t r : pending_rejects) {
      events.push_back({EngineEvent::Kind::kRejected, r, requests[r].result.arrival_s});
    }
    pending_rejects.clear();
    if (running.empty() && waiting.empty()) return now_s;

    int64_t budget = config.max_num_batched_tokens;
    double load_s = 0;
    scheduled.clear();
    shape.seqs.clear();
    bool preempted = false;

    // Running requests, in order.
    for (size_t i = 0; i < running.size() && budget > 0;) {
      const uint32_t r = running[i];
      const RequestState& s = requests[r];
      const int64_t new_tokens = std::min(s.NumTokens() - s.num_computed, budget);
      bool can_schedule = true;
      while (!pool->AppendSlots(r, new_tokens)) {
        const uint32_t victim = running.back();
        running.pop_back();
        Preempt(victim);
        preempted = true;
        if (victim == r) {
          can_schedule = false;
          break;
        }
      }
      if (!can_schedule) break;
      Schedule(r, new_tokens, now_s);
      budget -= new_tokens;
      ++i;
    }

    // Waiting requests, FCFS; none when this step preempted (as vLLM).
    if (!preempted) {
      while (!waiting.empty() && budget > 0 &&
             static_cast<int64_t>(running.size()) < config.max_num_seqs) {
        const uint32_t r = waiting.front();
        if (requests[r].request.arrival_s > now_s) break;
        const int64_t before = static_cast<int64_t>(scheduled.size());
        if (!Admit(r, budget, now_s, load_s)) break;
        budget -= scheduled[before].new_tokens;
      }
    }

    if (scheduled.empty()) return now_s;

    const double duration_s = latency->StepSeconds(shape) + load_s;
    const double end_s = now_s + duration_s;
    for (const Scheduled& sc : scheduled) Complete(sc, end_s, events);
    std::erase_if(running, [&](uint32_t r) { return requests[r].phase != Phase::kRunning; });

    ++stats.steps;
    stats.busy_s += duration_s;
    RefreshStats();
    samples.push_back({end_s, static_cast<int32_t>(running.size()),
                       static_cast<int32_t>(waiting.size()), pool->usage()});
    return end_s;
  }
};

Engine::Engine(const EngineConfig& config, std::unique_ptr<LatencyModel> latency)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.config = config;
  const EngineConfig& c = m.config;
  Check(c.tensor_parallel >= 1,
        fmt::format("engine: tensor_parallel must be >= 1, got {}", c.tensor_parallel));
  Check(c.block_size > 0, "engine: block_size must be > 0");
  Check(c.num_gpu_blocks >= 0,
        fmt::format("engine: num_gpu_blocks must be >= 0 (0: derived), got {}", c.num_gpu_blocks));
  Check(c.gpu_memory_utilization > 0 && c.gpu_memory_utilization <= 1,
        fmt::format("engine: gpu_memory_utilization must be in (0, 1], got {}",
                    c.gpu_memory_utilization));
  Check(c.max_num_seqs > 0,
        fmt::format("engine: max_num_seqs must be > 0, got {}", c.max_num_seqs));
  Check(
      c.max_num_batched_tokens > 0,
      fmt::format("engine: max_num_batched_tokens must be > 0, got {}", c.max_num_batched_tokens));
  Check(
      c.max_model_len >= 0,
      fmt::format("engine: max_model_len must be >= 0 (0: the model's), got {}", c.max_model_len));
  m.max_model_len = c.max_model_len > 0 ? c.max_model_len : c.model.max_model_len;
  Check(m.max_model_len > 0,
        fmt::format("engine: model '{}' has no max_model_len; set one", c.model.name));
  Check(c.model.num_kv_heads > 0 && c.model.KvBytesPerToken() > 0,
        fmt::format("engine: model '{}' has no KV cache size (num_kv_heads, head_dim, layers)",
                    c.model.name));

  m.num_gpu_blocks = c.num_gpu_blocks;
  if (m.num_gpu_blocks == 0) {
    m.num_gpu_blocks =
        NumGpuBlocks(c.model, c.gpu, c.tensor_parallel, c.block_size, c.gpu_memory_utilization);
    Check(m.num_gpu_blocks > 0,
          fmt::format("engine: no GPU memory left for the KV cache: model '{}' on GPU '{}' at "
                      "tensor_parallel {} and gpu_memory_utilization {} gives {} blocks",
                      c.model.name, c.gpu.name, c.tensor_parallel, c.gpu_memory_utilization,
                      m.num_gpu_blocks));
  }
  Check(m.num_gpu_blocks < std::numeric_limits<uint32_t>::max(),
        fmt::format("engine: num_gpu_blocks {} is too large", m.num_gpu_blocks));
  const int64_t needed_blocks = (m.max_model_len + c.block_size - 1) / c.block_size;
  Check(m.num_gpu_blocks >= needed_blocks,
        fmt::format("engine: the GPU KV cache has {} blocks of {} tokens, fewer than the {} blocks "
                    "one request of max_model_len {} needs; lower max_model_len or raise the cache",
                    m.num_gpu_blocks, c.block_size, needed_blocks, m.max_model_len));

  const LmcacheSettings& l = c.lmcache;
  Check(l.cpu_bytes >= 0 && l.disk_bytes >= 0,
        fmt::format("engine: lmcache cpu_bytes and disk_bytes must be >= 0, got {} and {}",
                    l.cpu_bytes, l.disk_bytes));
  if (l.cpu_bytes > 0 || l.disk_bytes > 0) {
    Check(l.chunk_size > 0 && l.chunk_size % c.block_size == 0,
          fmt::format("engine: lmcache chunk_size {} must be a positive multiple of the block "
                      "size {}",
                      l.chunk_size, c.block_size));
    const double kv_heads_split =
        static_cast<double>(std::min<int64_t>(c.tensor_parallel, c.model.num_kv_heads));
    const auto kv_bytes =
        static_cast<uint64_t>(std::llround(c.model.KvBytesPerToken() / kv_heads_split));
    const auto make_tier = [&](const char* name, double bytes, double bandwidth) {
      LmcacheTierConfig t;
      t.name = name;
      t.capacity_bytes = static_cast<uint64_t>(bytes);
      t.chunk_size_tokens = l.chunk_size;
      t.kv_bytes_per_token = kv_bytes;
      t.bandwidth_bytes_per_s = bandwidth;
      t.policy = l.policy;
      return std::make_unique<LmcacheTier>(t);
    };
    if (l.cpu_bytes > 0) {
      m.cpu = make_tier("cpu", l.cpu_bytes,
                        l.cpu_bandwidth_bytes_per_s > 0 ? l.cpu_bandwidth_bytes_per_s
                                                        : c.gpu.host_bandwidth_bytes_per_s);
    }
    if (l.disk_bytes > 0) m.disk = make_tier("disk", l.disk_bytes, l.disk_bandwidth_bytes_per_s);
  }

  m.latency = latency ? std::move(latency)
                      : std::make_unique<RooflineLatencyModel>(c.model, c.gpu, c.tensor_parallel);
  m.pool = std::make_unique<GpuBlockPool>(static_cast<uint32_t>(m.num_gpu_blocks), c.block_size);
}

Engine::~Engine() = default;

uint32_t Engine::Submit(EngineRequest request) {
  Impl& m = *impl_;
  assert(m.requests.size() < std::numeric_limits<uint32_t>::max());
  const auto index = static_cast<uint32_t>(m.requests.size());
  RequestState& s = m.requests.emplace_back();
  s.request = std::move(request);
  s.result.arrival_s = s.request.arrival_s;
  s.result.prompt_tokens = s.request.prompt_tokens;
  const EngineRequest& q = s.request;
  if (q.prompt_tokens <= 0) {
    s.result.error =
        fmt::format("request '{}': empty prompt ({} tokens)", q.request_id, q.prompt_tokens);
  } else if (q.max_output_tokens < 1) {
    s.result.error = fmt::format("request '{}': max_output_tokens must be >= 1, got {}",
                                 q.request_id, q.max_output_tokens);
  } else if (q.prompt_tokens + q.max_output_tokens > m.max_model_len) {
    s.result.error = fmt::format(
        "request '{}': prompt ({} tokens) + max_output_tokens ({}) = {} exceeds max_model_len {}",
        q.request_id, q.prompt_tokens, q.max_output_tokens, q.prompt_tokens + q.max_output_tokens,
        m.max_model_len);
  }
  if (!s.result.error.empty()) {
    s.phase = Phase::kRejected;
    std::vector<uint64_t>().swap(s.request.block_hashes);
    m.pending_rejects.push_back(index);
  } else {
    m.waiting.push_back(index);
  }
  return index;
}

bool Engine::HasWork() const {
  return !impl_->waiting.empty() || !impl_->running.empty() || !impl_->pending_rejects.empty();
}

double Engine::Step(double now_s, std::vector<EngineEvent>& events) {
  return impl_->Step(now_s, events);
}

const EngineRequestResult& Engine::result(uint32_t request) const {
  return impl_->requests.at(request).result;
}
size_t Engine::num_requests() const { return impl_->requests.size(); }
const EngineStats& Engine::stats() const { return impl_->stats; }
const std::vector<EngineSample>& Engine::samples() const { return impl_->samples; }
int64_t Engine::num_gpu_blocks() const { return impl_->num_gpu_blocks; }
int32_t Engine::num_running() const { return static_cast<int32_t>(impl_->running.size()); }
int32_t Engine::num_waiting() const { return static_cast<int32_t>(impl_->waiting.size()); }
double Engine::kv_usage() const { return impl_->pool->usage(); }

}  // namespace kvb
