// SIEVE (Zhang et al., NSDI'24), as libCacheSim/cache/eviction/Sieve.c: one FIFO, head = newest,
// with a visited bit per block and a hand.
//  - Miss: insert at the head, visited = 0. Hit: visited = 1 (nothing moves).
//  - Evict: start at the hand, or at the tail when the hand is unset; while the block there is
//    visited, clear its bit and step toward the head, wrapping to the tail past the head. The first
//    unvisited block is the victim and the hand moves to the block just toward the head from it
//    (unset when the victim was the head, so the next scan restarts at the tail).
//  - Erasing the block under the hand moves the hand the same way.
// Pinned blocks (not part of libCacheSim) are stepped over without touching their bit; when a
// whole lap meets only pinned blocks there is no victim.
#include <vector>

#include "simulation/policies/slot_list.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

class SievePolicy final : public EvictionPolicy {
 public:
  void OnHit(Slot slot, const AccessContext&) override { visited_[slot] = 1; }

  Slot Victim() override {
    if (list_.Empty()) return kNoSlot;
    Slot s = hand_ == kNoSlot ? list_.tail : hand_;
    uint64_t pinned_in_a_row = 0;
    while (true) {
      if (Pinned(s)) {
        if (++pinned_in_a_row >= list_.size) return kNoSlot;
      } else {
        pinned_in_a_row = 0;
        if (visited_[s] == 0) break;
        visited_[s] = 0;
      }
      const Slot toward_head = links_.Prev(s);
      s = toward_head == kNoSlot ? list_.tail : toward_head;
    }
    hand_ = links_.Prev(s);
    links_.Remove(list_, s);
    return s;
  }

  void OnInsert(Slot slot, uint64_t, const AccessContext&) override {
    links_.Grow(slot);
    if (slot >= visited_.size()) visited_.resize(static_cast<size_t>(slot) + 1, 0);
    visited_[slot] = 0;
    links_.PushHead(list_, slot);
  }

  void OnErase(Slot slot) override {
    if (hand_ == slot) hand_ = links_.Prev(slot);
    links_.Remove(list_, slot);
  }

 private:
  SlotLinks links_;
  SlotList list_;
  std::vector<uint8_t> visited_;
  Slot hand_ = kNoSlot;
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeSievePolicy(const PolicyParams&) {
  return std::make_unique<SievePolicy>();
}

}  // namespace kvb
