// Summary statistics of latency samples, computed after a run (never on the hot path).
// Percentiles interpolate linearly between closest ranks, as numpy.percentile does by default
// (what `vllm bench serve` reports).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

namespace kvb {

struct LatencySummary {
  size_t count = 0;
  double mean = 0, std = 0, min = 0, max = 0;
  double median = 0, p90 = 0, p95 = 0, p99 = 0;
};

// p in [0, 100]; `sorted` ascending and non-empty.
double Percentile(const std::vector<double>& sorted, double p);
// Sorts a copy. All zeros for an empty input.
LatencySummary Summarize(std::vector<double> values);

}  // namespace kvb
