// cache_replay --mode server: feeds a trace or log through the Engine in virtual time (as fast as
// the CPU allows) and writes per-request results in the project's request-log format plus a
// summary. Open loop: every request arrives at its (windowed, rescaled) timestamp.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "utils/stats.h"
#include "utils/trace_reader.h"

namespace kvb {

struct ReplayOptions {
  std::string input_path;
  ReadOptions read;
  EngineConfig engine;
  double start_s = 0;            // skip requests arriving before this trace time
  double duration_s = 0;         // keep requests arriving in [start, start + duration); 0: all
  double time_scale = 1;         // arrival' = (arrival - start) / time_scale (2: twice as fast)
  double target_rps = 0;         // > 0: choose time_scale so the window's mean rate is this
  std::string request_log_path;  // "" : no request log
};

struct ReplaySummary {
  uint64_t requests = 0, completed = 0, rejected = 0, malformed = 0;
  double duration_s = 0;  // first arrival to last finish, virtual seconds
  double time_scale = 1;
  LatencySummary ttft_ms, tpot_ms, e2e_ms, queue_ms;
  std::vector<double> ttft_sorted_ms;  // for the CDF plot
  int64_t prompt_tokens = 0, output_tokens = 0;
  int64_t gpu_hit_tokens = 0, cpu_hit_tokens = 0, disk_hit_tokens = 0, computed_tokens = 0;
  EngineStats engine;
  int64_t num_gpu_blocks = 0;
  std::vector<EngineSample> samples;
  std::string read_issues;
};

// Throws InputError on bad input (missing file, trace block size not compatible with the
// engine's, ...).
ReplaySummary RunReplay(const ReplayOptions& options);

// summary.json body (without the context block): keys follow `vllm bench serve` where one exists
// (completed, mean_ttft_ms, p99_ttft_ms, request_throughput, ...).
nlohmann::json ReplaySummaryJson(const ReplaySummary& s);

}  // namespace kvb
