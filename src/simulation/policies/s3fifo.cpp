// S3-FIFO, as libCacheSim/cache/eviction/S3FIFO.c (the December 2024 version that the cachesim
// CLI runs as "s3fifo"; S3FIFOv0.c is the original). Three FIFOs, head = newest:
//  - small: (int64)((double)c * 0.1) blocks; main: c - small; ghost: (int64)(c * 0.9) keys (none
//    when that is 0). Each cached block has a frequency, 0 on insert, +1 per hit (unbounded in
//    libCacheSim; we saturate at 3, which no rule below can tell apart).
//  - Miss: if the key is in the ghost FIFO it is removed from there (before any eviction) and the
//    block goes to the head of main. Otherwise, while no eviction has happened yet and small is
//    full, the block goes to main (warm-up rule); else to the head of small.
//  - Evict: if |main| > main size (strictly) or small is empty, evict from main, else from small.
//    Small: take its tail; frequency >= 2 moves it to the head of main with frequency 0 (main may
//    then exceed its size) and the scan goes on; otherwise its key goes to the head of the ghost
//    FIFO (dropping the ghost tail when full) and it is the victim. If small empties by promotions
//    alone, main is evicted from instead. Main: take its tail; frequency >= 1 reinserts it at
//    the head with frequency min(freq, 3) - 1; otherwise it is the victim. Main victims are not
//    ghosted.
//
// Small capacities: libCacheSim does not insert a block whose size is >= the small FIFO's size, so
// with unit-size blocks it caches nothing at all for c < 20 (small = 0 or 1). BlockCache always
// inserts after a miss and cannot express that, so we use small = max(1, ...) and the policy stays
// usable; hit counts equal libCacheSim's for c >= 20 only.
//
// Pinned blocks (not part of libCacheSim) are passed over in place by both scans; if the queue
// that was chosen has only pinned blocks, the other queue is tried.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "simulation/policies/slot_list.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

// (int64)(x) for a non-negative double, saturating instead of overflowing.
uint64_t TruncateSize(double x) {
  constexpr double kMax = 9.0e18;
  return x >= kMax ? static_cast<uint64_t>(kMax) : static_cast<uint64_t>(static_cast<int64_t>(x));
}

class S3FifoPolicy final : public EvictionPolicy {
 public:
  explicit S3FifoPolicy(uint64_t capacity)
      : small_size_(std::max<uint64_t>(1, TruncateSize(static_cast<double>(capacity) * 0.1))),
        main_size_(capacity > small_size_ ? capacity - small_size_ : 0),
        ghost_size_(TruncateSize(static_cast<double>(capacity) * 0.9)) {}

  void OnHit(Slot slot, const AccessContext&) override {
    hit_on_ghost_ = false;
    if (freq_[slot] < kMaxFreq) ++freq_[slot];
  }

  void OnMiss(uint64_t key, const AccessContext&) override {
    hit_on_ghost_ = ghost_size_ > 0 && ghost_.Take(key) != GhostLists::kAbsent;
  }

  Slot Victim() override {
    has_evicted_ = true;
    Slot victim;
    if (main_.size > main_size_ || small_.Empty()) {
      if ((victim = EvictMain()) != kNoSlot) return victim;
      if ((victim = EvictSmall()) != kNoSlot) return victim;
      return EvictMain();  // small may have promoted unpinned blocks into main
    }
    if ((victim = EvictSmall()) != kNoSlot) return victim;
    // Small emptied through promotions only (libCacheSim's next evict() then sees an empty small
    // and evicts from main), or what is left of it is pinned.
    return EvictMain();
  }

  void OnInsert(Slot slot, uint64_t key, const AccessContext&) override {
    links_.Grow(slot);
    if (slot >= queue_.size()) {
      const size_t n = static_cast<size_t>(slot) + 1;
      queue_.resize(n, kNowhere);
      freq_.resize(n, 0);
      key_.resize(n);
    }
    key_[slot] = key;
    freq_[slot] = 0;
    if (hit_on_ghost_ || (!has_evicted_ && small_.size >= small_size_)) {
      links_.PushHead(main_, slot);
      queue_[slot] = kMain;
    } else {
      links_.PushHead(small_, slot);
      queue_[slot] = kSmall;
    }
    hit_on_ghost_ = false;
  }

  void OnErase(Slot slot) override {
    links_.Remove(queue_[slot] == kSmall ? small_ : main_, slot);
    queue_[slot] = kNowhere;
  }

 private:
  static constexpr uint8_t kNowhere = 0;
  static constexpr uint8_t kSmall = 1;
  static constexpr uint8_t kMain = 2;
  static constexpr uint8_t kMaxFreq = 3;
  static constexpr uint8_t kMoveToMainThreshold = 2;

  Slot EvictSmall() {
    Slot s = small_.tail;
    while (s != kNoSlot) {
      const Slot toward_head = links_.Prev(s);
      if (!Pinned(s)) {
        links_.Remove(small_, s);
        if (freq_[s] < kMoveToMainThreshold) {
          queue_[s] = kNowhere;
          InsertGhost(key_[s]);
          return s;
        }
        freq_[s] = 0;
        links_.PushHead(main_, s);
        queue_[s] = kMain;
      }
      s = toward_head;
    }
    return kNoSlot;
  }

  Slot EvictMain() {
    Slot s = main_.tail;
    while (s != kNoSlot) {
      const Slot toward_head = links_.Prev(s);
      if (Pinned(s)) {
        s = toward_head;
        continue;
      }
      if (freq_[s] == 0) {
        links_.Remove(main_, s);
        queue_[s] = kNowhere;
        return s;
      }
      freq_[s] = static_cast<uint8_t>(std::min(freq_[s], kMaxFreq) - 1);
      links_.MoveToHead(main_, s);
      // Reinserted blocks are met again further on; a block that was already the head is looked
      // at again right away (with a lower frequency), as libCacheSim does for a one-block main.
      if (toward_head != kNoSlot) s = toward_head;
    }
    return kNoSlot;
  }

  // libCacheSim calls get() on its ghost FIFO: a key already there stays where it is, a new one
  // goes to the head after dropping tails while the FIFO is full.
  void InsertGhost(uint64_t key) {
    if (ghost_size_ == 0 || ghost_.Find(key) != GhostLists::kAbsent) return;
    while (ghost_.Size(0) + 1 > ghost_size_) ghost_.PopTail(0);
    ghost_.PushHead(0, key);
  }

  const uint64_t small_size_;
  const uint64_t main_size_;
  const uint64_t ghost_size_;
  bool hit_on_ghost_ = false;
  bool has_evicted_ = false;
  SlotLinks links_;
  SlotList small_;
  SlotList main_;
  GhostLists ghost_;  // list 0 only
  std::vector<uint8_t> queue_;
  std::vector<uint8_t> freq_;
  std::vector<uint64_t> key_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeS3FifoPolicy(const PolicyParams& params) {
  return std::make_unique<S3FifoPolicy>(params.capacity_blocks);
}

}  // namespace kvb
