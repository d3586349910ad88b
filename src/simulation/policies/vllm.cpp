// vLLM v1's free-block queue order (vllm/v1/core/block_pool.py, single_type_kv_cache_manager.py):
// blocks in use by the running request are out of the queue; when the request finishes its
// blocks are appended to the tail of the free queue in REVERSE order (so its deepest block is
// evicted first); eviction pops the head; a cache hit pulls a block out of the queue. Across
// requests this is LRU by release time.
#include <vector>

#include "simulation/policy_registry.h"

namespace kvb {
namespace {

class VllmPolicy final : public EvictionPolicy {
 public:
  void OnHit(Slot slot, const AccessContext&) override { Take(slot); }
  void OnInsert(Slot slot, uint64_t, const AccessContext&) override {
    if (slot >= prev_.size()) {
      prev_.resize(slot + 1, kNoSlot);
      next_.resize(slot + 1, kNoSlot);
      state_.resize(slot + 1, kAbsent);
    }
    state_[slot] = kPending;
    pending_.push_back(slot);
  }
  void OnErase(Slot slot) override {
    if (state_[slot] == kQueued) Unlink(slot);
    if (state_[slot] == kPending) std::erase(pending_, slot);
    state_[slot] = kAbsent;
  }
  void OnRequestEnd() override {
    // Reverse order: the tail block of the request lands nearest the head.
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
      if (state_[*it] == kPending) Append(*it);
    }
    pending_.clear();
  }
  Slot Victim() override {
    for (Slot s = head_; s != kNoSlot; s = next_[s]) {
      if (Pinned(s)) continue;
      Unlink(s);
      state_[s] = kAbsent;
      return s;
    }
    // Only blocks of the running request are left: vLLM would fail the allocation; the offline
    // simulator instead drops the request's deepest block so far.
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
      if (state_[*it] != kPending || Pinned(*it)) continue;
      const Slot s = *it;
      state_[s] = kAbsent;
      pending_.erase(std::next(it).base());
      return s;
    }
    return kNoSlot;
  }

 private:
  enum State : uint8_t { kAbsent, kQueued, kPending };

  void Take(Slot s) {
    if (state_[s] == kPending) return;  // touched twice by one request
    Unlink(s);
    state_[s] = kPending;
    pending_.push_back(s);
  }
  void Append(Slot s) {
    prev_[s] = tail_;
    next_[s] = kNoSlot;
    if (tail_ != kNoSlot) {
      next_[tail_] = s;
    } else {
      head_ = s;
    }
    tail_ = s;
    state_[s] = kQueued;
  }
  void Unlink(Slot s) {
    if (prev_[s] != kNoSlot) {
      next_[prev_[s]] = next_[s];
    } else {
      head_ = next_[s];
    }
    if (next_[s] != kNoSlot) {
      prev_[next_[s]] = prev_[s];
    } else {
      tail_ = prev_[s];
    }
    prev_[s] = next_[s] = kNoSlot;
  }

  std::vector<Slot> prev_, next_;
  std::vector<State> state_;
  std::vector<Slot> pending_;
  Slot head_ = kNoSlot, tail_ = kNoSlot;
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeVllmPolicy(const PolicyParams&) {
  return std::make_unique<VllmPolicy>();
}

}  // namespace kvb
