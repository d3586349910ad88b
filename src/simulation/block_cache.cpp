#include "simulation/block_cache.h"

#include <cassert>

namespace kvb {

BlockCache::BlockCache(uint64_t capacity_blocks, std::unique_ptr<EvictionPolicy> policy)
    : capacity_(capacity_blocks), policy_(std::move(policy)) {
  policy_->BindPins(&pins_);
}

bool BlockCache::Access(uint64_t key, const AccessContext& ctx) {
  if (auto it = index_.find(key); it != index_.end()) {
    ++stats_.hits;
    policy_->OnHit(it->second, ctx);
    return true;
  }
  ++stats_.misses;
  policy_->OnMiss(key, ctx);
  while (index_.size() >= capacity_) {
    const Slot victim = policy_->Victim();
    if (victim == kNoSlot) {
      ++stats_.failed_inserts;
      return false;
    }
    assert(pins_[victim] == 0);
    const uint64_t victim_key = slot_key_[victim];
    index_.erase(victim_key);
    free_slots_.push_back(victim);
    ++stats_.evictions;
    if (record_evictions_) evicted_.push_back(victim_key);
  }
  Slot slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slot_key_[slot] = key;
  } else {
    slot = static_cast<Slot>(slot_key_.size());
    slot_key_.push_back(key);
    pins_.push_back(0);
  }
  index_.emplace(key, slot);
  policy_->OnInsert(slot, key, ctx);
  return false;
}

bool BlockCache::Erase(uint64_t key) {
  auto it = index_.find(key);
  if (it == index_.end() || pins_[it->second] != 0) return false;
  const Slot slot = it->second;
  policy_->OnErase(slot);
  index_.erase(it);
  free_slots_.push_back(slot);
  return true;
}

bool BlockCache::Pin(uint64_t key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  ++pins_[it->second];
  return true;
}

void BlockCache::Unpin(uint64_t key) {
  auto it = index_.find(key);
  if (it != index_.end() && pins_[it->second] > 0) --pins_[it->second];
}

}  // namespace kvb
