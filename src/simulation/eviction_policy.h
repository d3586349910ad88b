// The eviction-policy contract. The cache (BlockCache) owns the index key -> slot, capacity
// accounting, pinning and statistics; a policy only keeps an order over slots and names a victim.
//
// Call sequence for one access of `key` (see BlockCache::Access):
//   hit:  OnHit(slot, ctx)
//   miss: OnMiss(key, ctx)                      -- before any eviction (ghost lookups, ARC's p)
//         while full: s = Victim(); cache frees s  -- the policy has already dropped s
//         OnInsert(slot, key, ctx)
// plus OnErase(slot) when the cache drops a block for another reason, and OnRequestEnd() after
// the last block of a request (vLLM frees a request's blocks together).
//
// Slots are dense indices < capacity, reused after eviction. Policies grow their per-slot arrays
// on OnInsert, so memory follows the number of cached blocks, not the nominal capacity.
// Not thread-safe: one cache and its policy belong to one thread.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace kvb {

using Slot = uint32_t;
inline constexpr Slot kNoSlot = std::numeric_limits<Slot>::max();
inline constexpr uint64_t kNeverAccessed = std::numeric_limits<uint64_t>::max();

// What the simulator knows about the access being made. Block traces fill only the indices.
struct AccessContext {
  double time_s = 0;                      // arrival of the request (block traces: the access index)
  uint64_t access_index = 0;              // 0-based position of this access in the whole trace
  uint64_t next_access = kNeverAccessed;  // index of the next access to this key (belady only)
  int64_t conversation_id = -1;           // -1: unknown
  int32_t turn = 0;                       // 1-based, 0: unknown
  uint32_t category = 0;                  // interned request category (type, turn bucket)
  uint32_t block_index = 0;               // position of the block in its request's chain
  uint32_t blocks_in_request = 1;
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;

  virtual void OnHit(Slot slot, const AccessContext& ctx) = 0;
  virtual void OnMiss(uint64_t key, const AccessContext& ctx) {}
  // Picks an unpinned cached slot to evict and removes it from the policy's order. Returns
  // kNoSlot when every cached slot is pinned.
  virtual Slot Victim() = 0;
  virtual void OnInsert(Slot slot, uint64_t key, const AccessContext& ctx) = 0;
  virtual void OnErase(Slot slot) = 0;
  virtual void OnRequestEnd() {}

  // Set by the cache: pins_[slot] != 0 means the slot may not be evicted.
  void BindPins(const std::vector<uint32_t>* pins) { pins_ = pins; }

 protected:
  bool Pinned(Slot s) const { return pins_ != nullptr && s < pins_->size() && (*pins_)[s] != 0; }

 private:
  const std::vector<uint32_t>* pins_ = nullptr;
};

}  // namespace kvb
