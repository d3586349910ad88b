// A fixed-capacity cache of KV blocks (counted in blocks) over one EvictionPolicy. It owns the
// index (block key -> slot), capacity accounting, pin counts and statistics; the policy decides
// the order. Single-threaded.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "simulation/eviction_policy.h"

namespace kvb {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t failed_inserts = 0;  // misses that found every block pinned
};

class BlockCache {
 public:
  // capacity_blocks may be UINT64_MAX (unbounded). Slots are allocated as blocks arrive.
  BlockCache(uint64_t capacity_blocks, std::unique_ptr<EvictionPolicy> policy);

  // One access: a hit updates the policy; a miss evicts as needed and inserts. Returns true on
  // a hit. When every cached block is pinned the block is not inserted (failed_inserts).
  bool Access(uint64_t key, const AccessContext& ctx);
  bool Contains(uint64_t key) const { return index_.contains(key); }
  // Drops `key` if cached (not counted as an eviction). Pinned blocks cannot be erased.
  bool Erase(uint64_t key);
  // Pin counts: a pinned block is never a victim. Pin of an absent key returns false.
  bool Pin(uint64_t key);
  void Unpin(uint64_t key);
  void EndRequest() { policy_->OnRequestEnd(); }

  uint64_t size() const { return index_.size(); }
  uint64_t capacity() const { return capacity_; }
  const CacheStats& stats() const { return stats_; }
  EvictionPolicy& policy() { return *policy_; }
  // Keys evicted since the last call (only recorded when set_record_evictions(true)).
  void set_record_evictions(bool on) { record_evictions_ = on; }
  std::vector<uint64_t> TakeEvicted() { return std::move(evicted_); }

 private:
  uint64_t capacity_;
  std::unique_ptr<EvictionPolicy> policy_;
  boost::unordered_flat_map<uint64_t, Slot> index_;
  std::vector<uint64_t> slot_key_;
  std::vector<uint32_t> pins_;
  std::vector<Slot> free_slots_;
  CacheStats stats_;
  bool record_evictions_ = false;
  std::vector<uint64_t> evicted_;
};

}  // namespace kvb
