// The offline cache simulator: streams a trace once and replays its block accesses through every
// (policy, capacity) pair at the same time, each pair on its own BlockCache. Work is spread over
// threads per batch; results do not depend on the thread count.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "simulation/access_stream.h"
#include "simulation/sim_types.h"
#include "utils/units.h"

namespace kvb {

struct SimulationConfig {
  std::string input_path;
  AccessStreamOptions stream;
  std::vector<std::string> policies = {"lru"};
  std::vector<Capacity> capacities;
  HitMode hit_mode = HitMode::kPrefix;
  double kv_bytes_per_token = 0;  // from --model; needed for byte capacities
  double window_s = 0;            // time-series window; 0: 60 s (timed traces) or 1e6 accesses
  int jobs = 1;
  bool mrc = false;
  size_t max_turn_bucket = 20;  // turns >= this share the last bucket
};

struct SimulationResult {
  TraceSummary trace;
  std::vector<RunResult> runs;  // policy-major, in the order given
  std::optional<MrcResult> mrc;
  std::string read_issues;  // ReadIssues::Summary() of the reader ("" when clean)
  uint64_t malformed_records = 0;
  double window_s = 0;
  double elapsed_s = 0;  // wall time, filled by the caller (simulation never reads a clock)
};

// Throws InputError for bad configuration (unknown policy, unconvertible capacity, ...).
SimulationResult RunSimulation(const SimulationConfig& config);

HitMode ParseHitMode(const std::string& text);  // "prefix" | "block"

}  // namespace kvb
