// LFU, as libCacheSim/cache/eviction/LFU.c (the O(1) frequency-bucket LFU):
//  - a miss inserts the block with frequency 1 at the TAIL of the frequency-1 bucket;
//  - a hit raises the frequency by one and appends the block to the TAIL of the next bucket;
//  - the victim is the HEAD of the lowest non-empty bucket, so ties go to the block that entered
//    its bucket first (FIFO within a frequency);
//  - frequencies are unbounded and forgotten on eviction.
// Buckets form a list ordered by frequency; empty buckets are unlinked and recycled, so the first
// bucket is always the minimum. Pinned blocks are passed over in place (next block of the same
// bucket, then the next bucket).
#include <vector>

#include "simulation/policies/slot_list.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

class LfuPolicy final : public EvictionPolicy {
 public:
  void OnHit(Slot slot, const AccessContext&) override {
    const uint32_t from = bucket_of_[slot];
    const uint64_t freq = buckets_[from].freq + 1;
    uint32_t to = buckets_[from].next;
    if (to == kNone || buckets_[to].freq != freq) to = NewBucketAfter(from, freq);
    links_.Remove(buckets_[from].members, slot);
    links_.PushTail(buckets_[to].members, slot);
    bucket_of_[slot] = to;
    if (buckets_[from].members.Empty()) FreeBucket(from);
  }

  Slot Victim() override {
    for (uint32_t b = first_; b != kNone; b = buckets_[b].next) {
      const Slot victim =
          links_.FromHead(buckets_[b].members, [this](Slot s) { return Pinned(s); });
      if (victim == kNoSlot) continue;
      links_.Remove(buckets_[b].members, victim);
      if (buckets_[b].members.Empty()) FreeBucket(b);
      return victim;
    }
    return kNoSlot;
  }

  void OnInsert(Slot slot, uint64_t, const AccessContext&) override {
    links_.Grow(slot);
    if (slot >= bucket_of_.size()) bucket_of_.resize(static_cast<size_t>(slot) + 1, kNone);
    uint32_t b = first_;
    if (b == kNone || buckets_[b].freq != 1) b = NewBucketAfter(kNone, 1);
    links_.PushTail(buckets_[b].members, slot);
    bucket_of_[slot] = b;
  }

  void OnErase(Slot slot) override {
    const uint32_t b = bucket_of_[slot];
    links_.Remove(buckets_[b].members, slot);
    if (buckets_[b].members.Empty()) FreeBucket(b);
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Bucket {
    uint64_t freq = 0;
    SlotList members;  // head = entered this frequency first
    uint32_t prev = kNone;
    uint32_t next = kNone;
  };

  // Links a new empty bucket with `freq` right after `after` (kNone: at the front).
  uint32_t NewBucketAfter(uint32_t after, uint64_t freq) {
    uint32_t b;
    if (!free_buckets_.empty()) {
      b = free_buckets_.back();
      free_buckets_.pop_back();
      buckets_[b] = Bucket{};
    } else {
      b = static_cast<uint32_t>(buckets_.size());
      buckets_.emplace_back();
    }
    Bucket& nb = buckets_[b];
    nb.freq = freq;
    nb.prev = after;
    nb.next = after == kNone ? first_ : buckets_[after].next;
    if (nb.next != kNone) buckets_[nb.next].prev = b;
    if (after == kNone) {
      first_ = b;
    } else {
      buckets_[after].next = b;
    }
    return b;
  }

  void FreeBucket(uint32_t b) {
    const Bucket& ob = buckets_[b];
    if (ob.prev != kNone) {
      buckets_[ob.prev].next = ob.next;
    } else {
      first_ = ob.next;
    }
    if (ob.next != kNone) buckets_[ob.next].prev = ob.prev;
    free_buckets_.push_back(b);
  }

  SlotLinks links_;
  std::vector<Bucket> buckets_;
  std::vector<uint32_t> free_buckets_;
  std::vector<uint32_t> bucket_of_;
  uint32_t first_ = kNone;  // lowest frequency present
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeLfuPolicy(const PolicyParams&) {
  return std::make_unique<LfuPolicy>();
}

}  // namespace kvb
