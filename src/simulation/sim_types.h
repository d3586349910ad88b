// Result types of the offline simulator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kvb {

enum class HitMode {
  kPrefix,  // a request hits the longest cached run of its leading blocks (what an engine sees)
  kBlock,   // every block counts on its own (what a block-trace simulator sees)
};

struct Tally {
  uint64_t requests = 0;
  uint64_t accesses = 0;
  uint64_t hits = 0;           // block hits
  uint64_t prompt_tokens = 0;  // token hit ratio denominator: every prompt token
  uint64_t hit_tokens = 0;     // tokens in hit blocks (a partial last block counts its tokens)
  void Add(const Tally& o) {
    requests += o.requests;
    accesses += o.accesses;
    hits += o.hits;
    prompt_tokens += o.prompt_tokens;
    hit_tokens += o.hit_tokens;
  }
  double BlockHitRatio() const { return accesses ? static_cast<double>(hits) / accesses : 0; }
  double TokenHitRatio() const {
    return prompt_tokens ? static_cast<double>(hit_tokens) / prompt_tokens : 0;
  }
};

struct RunResult {
  std::string policy;
  std::string capacity_text;     // as the user wrote it
  uint64_t capacity_blocks = 0;  // UINT64_MAX: unbounded
  Tally total;
  uint64_t evictions = 0;
  std::vector<Tally> windows;  // windows[i]: requests arriving in [t0 + i*w, t0 + (i+1)*w)
  std::vector<Tally> turns;    // turns[t]: turn t (0 = unknown), the last bucket holds the rest
  double elapsed_s = 0;        // CPU time spent in this run's thread
};

struct MrcPoint {
  uint64_t capacity_blocks = 0;
  uint64_t hits = 0;
  uint64_t hit_tokens = 0;
};

struct MrcResult {
  uint64_t accesses = 0;
  uint64_t prompt_tokens = 0;
  uint64_t distinct_blocks = 0;
  std::vector<MrcPoint> curve;      // log-spaced capacities up to distinct_blocks
  std::vector<MrcPoint> requested;  // at the capacities the user asked for (same order)
  double elapsed_s = 0;
};

}  // namespace kvb
