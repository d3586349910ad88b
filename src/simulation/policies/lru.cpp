// LRU, as libCacheSim/cache/eviction/LRU.c: a hit moves the block to the head, a miss inserts at
// the head, the victim is the tail (least recently used). Pinned blocks are passed over in place.
#include "simulation/policies/slot_list.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

class LruPolicy final : public EvictionPolicy {
 public:
  void OnHit(Slot slot, const AccessContext&) override { links_.MoveToHead(list_, slot); }

  Slot Victim() override {
    const Slot victim = links_.FromTail(list_, [this](Slot s) { return Pinned(s); });
    if (victim != kNoSlot) links_.Remove(list_, victim);
    return victim;
  }

  void OnInsert(Slot slot, uint64_t, const AccessContext&) override {
    links_.Grow(slot);
    links_.PushHead(list_, slot);
  }

  void OnErase(Slot slot) override { links_.Remove(list_, slot); }

 private:
  SlotLinks links_;
  SlotList list_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeLruPolicy(const PolicyParams&) {
  return std::make_unique<LruPolicy>();
}

}  // namespace kvb
