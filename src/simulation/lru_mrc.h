// One-pass LRU hit-ratio curve (Mattson stack distances). The stack distance of an access is the
// number of distinct blocks touched since the previous access to the same block (itself
// included); LRU of capacity c hits exactly when that distance is <= c. Each block's latest
// access time holds a 1 in a bitset; the distance is the count of 1s from the block's previous
// time on, read from a Fenwick tree over 64-bit words of the bitset plus one popcount: O(log n)
// per access in a structure 64 times smaller than one counter per time slot, so it stays in
// cache. Times are renumbered (in O(distinct)) when the bitset fills, so memory follows the
// number of distinct blocks.
//
// Prefix mode: block j of a request counts as a hit at capacity c iff every block 0..j has a
// distance <= c, i.e. the running maximum of the distances is <= c. This equals separate lru
// runs of the simulator, which also refreshes blocks after the first miss of a request.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <vector>

#include "simulation/access_stream.h"
#include "simulation/sim_types.h"

namespace kvb {

class LruMrc {
 public:
  explicit LruMrc(HitMode mode) : mode_(mode) {}
  void Process(const SimBatch& batch);
  // capacities: the ones to report exactly (UINT64_MAX allowed); curve_points: log-spaced.
  MrcResult Result(const std::vector<uint64_t>& capacities, size_t curve_points = 200) const;

 private:
  uint64_t Distance(uint64_t key);  // updates the stack; UINT64_MAX for a first access
  void Compact();
  void WordAdd(size_t word, int32_t delta);
  uint64_t MarksBefore(uint32_t t) const;  // 1s in the bitset before time t

  HitMode mode_;
  boost::unordered_flat_map<uint64_t, uint32_t> last_time_;
  std::vector<uint64_t> bits_;      // bit t: some block's latest access is at time t
  std::vector<int32_t> word_tree_;  // Fenwick tree over popcount(bits_[w])
  uint32_t now_ = 0;
  // hist_[d]: accesses (and their tokens) with effective distance d (index 0 unused); cold
  // misses are not stored. One array of pairs: one cache miss per access, not two.
  struct Bucket {
    uint64_t hits = 0;
    uint64_t tokens = 0;
  };
  std::vector<Bucket> hist_;
  uint64_t accesses_ = 0, prompt_tokens_ = 0;
};

}  // namespace kvb
