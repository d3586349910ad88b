// MRU, as libCacheSim/cache/eviction/MRU.c: a hit or an insert makes the block the most recently
// used, and the victim is the most recently used block (so a miss evicts the block touched by the
// previous access). Pinned blocks are passed over in place, toward older ones.
#include "simulation/policies/slot_list.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

class MruPolicy final : public EvictionPolicy {
 public:
  void OnHit(Slot slot, const AccessContext&) override { links_.MoveToHead(list_, slot); }

  Slot Victim() override {
    const Slot victim = links_.FromHead(list_, [this](Slot s) { return Pinned(s); });
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

std::unique_ptr<EvictionPolicy> MakeMruPolicy(const PolicyParams&) {
  return std::make_unique<MruPolicy>();
}

}  // namespace kvb
