// Belady's MIN (optimal offline): evict the cached block whose next use is farthest in the
// future. The simulator supplies AccessContext::next_access (a first pass over the trace). As in
// libCacheSim's Belady.c the missed block is always admitted, even if it is never used again.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "simulation/policy_registry.h"

namespace kvb {
namespace {

class BeladyPolicy final : public EvictionPolicy {
 public:
  void OnHit(Slot slot, const AccessContext& ctx) override { Set(slot, ctx.next_access); }
  void OnInsert(Slot slot, uint64_t, const AccessContext& ctx) override {
    if (slot >= next_use_.size()) next_use_.resize(slot + 1, kAbsent);
    ++cached_;
    Set(slot, ctx.next_access);
  }
  void OnErase(Slot slot) override {
    next_use_[slot] = kAbsent;  // heap entries for it become stale
    --cached_;
  }

  Slot Victim() override {
    std::vector<Entry> pinned;
    Slot victim = kNoSlot;
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end());
      const Entry e = heap_.back();
      heap_.pop_back();
      if (next_use_[e.slot] != e.next_use) continue;  // stale
      if (Pinned(e.slot)) {
        pinned.push_back(e);
        continue;
      }
      victim = e.slot;
      break;
    }
    for (const Entry& e : pinned) Push(e);
    if (victim != kNoSlot) {
      next_use_[victim] = kAbsent;
      --cached_;
    }
    return victim;
  }

 private:
  // Absent slots never match a heap entry: Set never stores kAbsent (next_access is an index
  // below kAbsent or exactly kNeverAccessed).
  static constexpr uint64_t kAbsent = kNeverAccessed - 1;
  struct Entry {
    uint64_t next_use;
    Slot slot;
    bool operator<(const Entry& o) const {
      return next_use != o.next_use ? next_use < o.next_use : slot < o.slot;
    }
  };

  void Set(Slot slot, uint64_t next) {
    next_use_[slot] = next;
    Push({next, slot});
    // Lazy deletion leaves stale entries behind; rebuild when they dominate.
    if (heap_.size() > 4 * cached_ + 1024) Rebuild();
  }
  void Push(Entry e) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end());
  }
  void Rebuild() {
    heap_.clear();
    for (Slot s = 0; s < next_use_.size(); ++s) {
      if (next_use_[s] != kAbsent) heap_.push_back({next_use_[s], s});
    }
    std::make_heap(heap_.begin(), heap_.end());
  }

  std::vector<uint64_t> next_use_;
  std::vector<Entry> heap_;
  uint64_t cached_ = 0;
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeBeladyPolicy(const PolicyParams&) {
  return std::make_unique<BeladyPolicy>();
}

}  // namespace kvb
