// The engine: one discrete-event model of a vLLM v1 (+LMCache) instance (docs/engine.md). It owns
// a waiting queue and a running set (the scheduler), a GpuBlockPool, optional LMCache tiers and a
// LatencyModel, and advances one scheduler step at a time. It never reads a clock: the caller
// says when a step starts (cache_replay: virtual time, as fast as the CPU allows; emulated_server:
// the wall clock). Request arrival is an input, so an open-loop trace and a live HTTP client look
// the same to it. Single-threaded; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/gpu_spec.h"
#include "config/model_spec.h"
#include "engine/latency_model.h"

namespace kvb {

struct LmcacheSettings {
  double cpu_bytes = 0;   // 0: no CPU tier
  double disk_bytes = 0;  // 0: no disk tier
  uint32_t chunk_size = 256;
  std::string policy = "lru";               // any online registry policy
  double cpu_bandwidth_bytes_per_s = 0;     // 0: the GPU's PCIe host bandwidth
  double disk_bandwidth_bytes_per_s = 2e9;  // NVMe read, a stated default
};

struct EngineConfig {
  ModelSpec model;
  GpuSpec gpu;
  int tensor_parallel = 1;
  uint32_t block_size = 16;
  int64_t num_gpu_blocks = 0;  // 0: derived from gpu_memory_utilization (NumGpuBlocks)
  double gpu_memory_utilization = 0.9;
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = 8192;
  int64_t max_model_len = 0;  // 0: the model's
  bool enable_prefix_caching = true;
  LmcacheSettings lmcache;  // tiers on when their bytes > 0
};

// A request as the engine sees it. block_hashes are chained hashes at EngineConfig::block_size
// (full blocks; a trailing partial-block hash, as hash-id traces carry, is ignored).
struct EngineRequest {
  std::string request_id;
  double arrival_s = 0;
  int64_t prompt_tokens = 0;
  int64_t max_output_tokens = 1;  // decode runs exactly this long (ignore_eos)
  std::vector<uint64_t> block_hashes;
  int64_t conversation_id = -1;  // for conversation-aware LMCache policies
  int32_t turn = 0;
};

// What happened to one request. Times in seconds on the caller's clock; -1 = not reached.
struct EngineRequestResult {
  double arrival_s = -1;
  double scheduled_s = -1;    // first step that computed any of its tokens
  double first_token_s = -1;  // end of the step that produced its first output token
  double finish_s = -1;       // end of the step that produced its last output token
  int64_t prompt_tokens = 0;
  int64_t gpu_hit_tokens = 0;   // served by the GPU prefix cache (first admission)
  int64_t cpu_hit_tokens = 0;   // loaded from the LMCache CPU tier
  int64_t disk_hit_tokens = 0;  // loaded from the LMCache disk tier
  int64_t computed_tokens = 0;  // prompt tokens prefilled (recomputation after preemption too)
  int64_t output_tokens = 0;
  int32_t preemptions = 0;
  std::string error;  // rejected: e.g. prompt longer than max_model_len
};

struct EngineEvent {
  enum class Kind { kFirstToken, kToken, kFinished, kRejected };
  Kind kind;
  uint32_t request;  // index returned by Submit
  double time_s;
};

struct EngineStats {
  int64_t steps = 0;
  int64_t prompt_tokens = 0, generation_tokens = 0;
  int64_t prefix_query_tokens = 0, prefix_hit_tokens = 0;      // GPU (vllm:prefix_cache_*)
  int64_t external_query_tokens = 0, external_hit_tokens = 0;  // LMCache
  int64_t cpu_hit_tokens = 0, disk_hit_tokens = 0;
  int64_t gpu_evicted_blocks = 0, cpu_evicted_chunks = 0, disk_evicted_chunks = 0;
  int64_t preemptions = 0;
  double busy_s = 0;  // sum of step durations
};

// One point of the engine-wide time series, taken after every step.
struct EngineSample {
  double time_s;
  int32_t running, waiting;
  double kv_usage;  // fraction of GPU blocks in use
};

class Engine {
 public:
  // Throws InputError for an impossible configuration (negative sizes, a cache too small for one
  // request of max_model_len, an unknown policy, ...).
  Engine(const EngineConfig& config, std::unique_ptr<LatencyModel> latency);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request that arrived at request.arrival_s (FCFS). Returns its index. A request that
  // can never run (prompt + output > max_model_len, no prompt) is rejected at once: its result
  // has `error` set and a kRejected event is emitted at the next Step.
  uint32_t Submit(EngineRequest request);
  bool HasWork() const;  // something waiting or running
  // Runs one scheduler step starting at now_s (>= the end of the previous step): schedules,
  // computes its duration with the latency model (plus LMCache load time), and returns the time
  // the step ends; events of the step (stamped with that end time) are appended to `events`.
  // With no work it returns now_s and does nothing.
  double Step(double now_s, std::vector<EngineEvent>& events);

  const EngineRequestResult& result(uint32_t request) const;
  size_t num_requests() const;
  const EngineStats& stats() const;
  const std::vector<EngineSample>& samples() const;
  int64_t num_gpu_blocks() const;
  int32_t num_running() const;
  int32_t num_waiting() const;
  double kv_usage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kvb
