// ARC, as libCacheSim/cache/eviction/ARC.c (the version with a floating-point p). Four LRU lists,
// head = most recent: T1 and T2 hold cached blocks, B1 and B2 the keys of blocks evicted from them.
//
//  - Hit in T1 or T2: move to the head of T2.
//  - Miss whose key is in B1 (a ghost hit, still counted as a miss): delta = max(|B2|/|B1|, 1)
//    as a double, p = min(p + delta, c); the key leaves B1. In B2: delta = max(|B1|/|B2|, 1),
//    p = max(p - delta, 0); the key leaves B2. Sizes are taken before the key is removed. The
//    block is then inserted at the head of T2, and if the cache is full the only eviction is
//    REPLACE (no ghost is trimmed).
//  - REPLACE: if (|T1| > 0 && (|T1| > p || (|T1| == p && this miss hit B2))) || |T2| == 0, the
//    tail of T1 moves to the head of B1; otherwise the tail of T2 moves to the head of B2.
//  - Any other miss ("case IV"), evicting only when the cache is full:
//      if |T1| + |B1| + 1 > c: if B1 is not empty, drop the tail of B1 and REPLACE; otherwise
//        evict the tail of T1 without keeping a ghost;
//      else: if |T1| + |B1| + |T2| + |B2| >= 2c and B2 is not empty, drop the tail of B2; then
//        REPLACE.
//    The new block goes to the head of T1.
// Ghosts are only trimmed on those evictions, so their number stays below about 2c.
//
// With our interface the cache calls OnMiss(key) before any eviction and OnInsert after, so the
// ghost lookup happens in OnMiss and its outcome is remembered for Victim() and OnInsert().
// Pinned blocks (not part of libCacheSim) are passed over: the victim is the unpinned block
// nearest the tail of the list REPLACE chose, or of the other list when that one is all pinned.
// Ghost trimming is done only once a victim is found, which gives the same result as trimming
// first because REPLACE does not look at the ghost lists.
#include <algorithm>
#include <vector>

#include "simulation/policies/slot_list.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

class ArcPolicy final : public EvictionPolicy {
 public:
  explicit ArcPolicy(uint64_t capacity) : capacity_(capacity) {}

  void OnHit(Slot slot, const AccessContext&) override {
    ghost_hit_ = kNoGhostHit;
    if (where_[slot] == kT1) {
      links_.Remove(t1_, slot);
      links_.PushHead(t2_, slot);
      where_[slot] = kT2;
    } else {
      links_.MoveToHead(t2_, slot);
    }
  }

  void OnMiss(uint64_t key, const AccessContext&) override {
    ghost_hit_ = kNoGhostHit;
    const int list = ghosts_.Take(key);
    if (list == GhostLists::kAbsent) return;
    // libCacheSim adapts p with the ghost sizes from before the key leaves its list.
    const double b1 = static_cast<double>(ghosts_.Size(kB1) + (list == kB1 ? 1 : 0));
    const double b2 = static_cast<double>(ghosts_.Size(kB2) + (list == kB2 ? 1 : 0));
    if (list == kB1) {
      const double delta = std::max(b2 / b1, 1.0);
      p_ = std::min(p_ + delta, static_cast<double>(capacity_));
      ghost_hit_ = kHitB1;
    } else {
      const double delta = std::max(b1 / b2, 1.0);
      p_ = std::max(p_ - delta, 0.0);
      ghost_hit_ = kHitB2;
    }
  }

  Slot Victim() override {
    if (ghost_hit_ != kNoGhostHit) return Replace(kNoTrim);

    const uint64_t t1 = t1_.size;
    const uint64_t b1 = ghosts_.Size(kB1);
    if (t1 + b1 + 1 > capacity_) {
      if (b1 > 0) return Replace(kTrimB1);
      // T1 alone fills the cache: evict its tail without a ghost.
      const Slot victim = links_.FromTail(t1_, [this](Slot s) { return Pinned(s); });
      if (victim == kNoSlot) return Replace(kNoTrim);  // only reachable with pins
      links_.Remove(t1_, victim);
      where_[victim] = kNowhere;
      return victim;
    }
    const uint64_t total = t1 + b1 + t2_.size + ghosts_.Size(kB2);
    // total >= 2c, written so that an unbounded capacity cannot overflow.
    const bool ghosts_full = total >= capacity_ && total - capacity_ >= capacity_;
    return Replace(ghosts_full && ghosts_.Size(kB2) > 0 ? kTrimB2 : kNoTrim);
  }

  void OnInsert(Slot slot, uint64_t key, const AccessContext&) override {
    links_.Grow(slot);
    if (slot >= where_.size()) {
      where_.resize(static_cast<size_t>(slot) + 1, kNowhere);
      key_.resize(static_cast<size_t>(slot) + 1);
    }
    key_[slot] = key;
    if (ghost_hit_ != kNoGhostHit) {
      links_.PushHead(t2_, slot);
      where_[slot] = kT2;
    } else {
      links_.PushHead(t1_, slot);
      where_[slot] = kT1;
    }
    ghost_hit_ = kNoGhostHit;
  }

  void OnErase(Slot slot) override {
    links_.Remove(where_[slot] == kT1 ? t1_ : t2_, slot);
    where_[slot] = kNowhere;
  }

 private:
  static constexpr int kB1 = 0;
  static constexpr int kB2 = 1;
  static constexpr uint8_t kNowhere = 0;
  static constexpr uint8_t kT1 = 1;
  static constexpr uint8_t kT2 = 2;
  enum GhostHit : uint8_t { kNoGhostHit, kHitB1, kHitB2 };
  enum Trim : uint8_t { kNoTrim, kTrimB1, kTrimB2 };

  // REPLACE from the paper: moves the chosen tail block to its ghost list and returns it, after
  // dropping the tail of the ghost list named by `trim`.
  Slot Replace(Trim trim) {
    const double t1 = static_cast<double>(t1_.size);
    const bool from_t1 =
        (t1_.size > 0 && (t1 > p_ || (t1 == p_ && ghost_hit_ == kHitB2))) || t2_.size == 0;
    auto pinned = [this](Slot s) { return Pinned(s); };
    Slot victim = links_.FromTail(from_t1 ? t1_ : t2_, pinned);
    if (victim == kNoSlot) victim = links_.FromTail(from_t1 ? t2_ : t1_, pinned);
    if (victim == kNoSlot) return kNoSlot;

    if (trim == kTrimB1) ghosts_.PopTail(kB1);
    if (trim == kTrimB2) ghosts_.PopTail(kB2);
    if (where_[victim] == kT1) {
      links_.Remove(t1_, victim);
      ghosts_.PushHead(kB1, key_[victim]);
    } else {
      links_.Remove(t2_, victim);
      ghosts_.PushHead(kB2, key_[victim]);
    }
    where_[victim] = kNowhere;
    return victim;
  }

  uint64_t capacity_;
  double p_ = 0;  // target size of T1
  GhostHit ghost_hit_ = kNoGhostHit;
  SlotLinks links_;
  SlotList t1_;
  SlotList t2_;
  GhostLists ghosts_;  // kB1, kB2
  std::vector<uint8_t> where_;
  std::vector<uint64_t> key_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeArcPolicy(const PolicyParams& params) {
  return std::make_unique<ArcPolicy>(params.capacity_blocks);
}

}  // namespace kvb
