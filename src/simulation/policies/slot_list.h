// Intrusive doubly linked lists over dense uint32 ids, shared by the eviction policies.
//
// Orientation follows libCacheSim's queues: the head is the newest end; Next() walks from the
// head toward the tail (older entries), Prev() from the tail toward the head. Several lists may
// share one SlotLinks as long as every id is in at most one of them at a time (ARC's T1/T2,
// S3-FIFO's small/main, LFU's frequency buckets).
//
// Nothing here allocates per operation; Grow() resizes the link arrays when a new, larger id
// appears (amortised by std::vector), so memory follows the ids in use, never a nominal capacity.
// Not thread-safe.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cassert>
#include <cstdint>
#include <vector>

#include "simulation/eviction_policy.h"

namespace kvb {

// One list: its ends and length. The links live in a SlotLinks.
struct SlotList {
  Slot head = kNoSlot;
  Slot tail = kNoSlot;
  uint64_t size = 0;

  bool Empty() const { return size == 0; }
};

class SlotLinks {
 public:
  // Makes `id` addressable. Call before the id first enters a list.
  void Grow(Slot id) {
    if (id >= links_.size()) links_.resize(static_cast<size_t>(id) + 1);
  }

  Slot Next(Slot id) const { return links_[id].next; }
  Slot Prev(Slot id) const { return links_[id].prev; }

  void PushHead(SlotList& list, Slot id) {
    Link& l = links_[id];
    l.prev = kNoSlot;
    l.next = list.head;
    if (list.head != kNoSlot) {
      links_[list.head].prev = id;
    } else {
      list.tail = id;
    }
    list.head = id;
    ++list.size;
  }

  void PushTail(SlotList& list, Slot id) {
    Link& l = links_[id];
    l.next = kNoSlot;
    l.prev = list.tail;
    if (list.tail != kNoSlot) {
      links_[list.tail].next = id;
    } else {
      list.head = id;
    }
    list.tail = id;
    ++list.size;
  }

  // `id` must be in `list`.
  void Remove(SlotList& list, Slot id) {
    assert(list.size > 0);
    const Link l = links_[id];
    if (l.prev != kNoSlot) {
      links_[l.prev].next = l.next;
    } else {
      list.head = l.next;
    }
    if (l.next != kNoSlot) {
      links_[l.next].prev = l.prev;
    } else {
      list.tail = l.prev;
    }
    --list.size;
  }

  void MoveToHead(SlotList& list, Slot id) {
    if (list.head == id) return;
    Remove(list, id);
    PushHead(list, id);
  }

  void MoveToTail(SlotList& list, Slot id) {
    if (list.tail == id) return;
    Remove(list, id);
    PushTail(list, id);
  }

  // The entry nearest the tail for which skip(id) is false, or kNoSlot.
  template <class Skip>
  Slot FromTail(const SlotList& list, Skip skip) const {
    Slot s = list.tail;
    while (s != kNoSlot && skip(s)) s = links_[s].prev;
    return s;
  }

  // The entry nearest the head for which skip(id) is false, or kNoSlot.
  template <class Skip>
  Slot FromHead(const SlotList& list, Skip skip) const {
    Slot s = list.head;
    while (s != kNoSlot && skip(s)) s = links_[s].next;
    return s;
  }

 private:
  struct Link {
    Slot prev = kNoSlot;
    Slot next = kNoSlot;
  };
  std::vector<Link> links_;
};

// Up to kMaxLists ordered lists of 64-bit block keys that are no longer cached (ARC's B1/B2,
// S3-FIFO's ghost FIFO). A key is in at most one list. Nodes are recycled through a free list, so
// steady-state operation does not allocate.
class GhostLists {
 public:
  static constexpr int kMaxLists = 2;
  static constexpr int kAbsent = -1;

  // Which list holds `key`, or kAbsent.
  int Find(uint64_t key) const {
    auto it = index_.find(key);
    return it == index_.end() ? kAbsent : list_of_[it->second];
  }

  // Removes `key` if present and returns the list it was in, or kAbsent.
  int Take(uint64_t key) {
    auto it = index_.find(key);
    if (it == index_.end()) return kAbsent;
    const Slot node = it->second;
    index_.erase(it);
    const int list = list_of_[node];
    links_.Remove(lists_[list], node);
    free_.push_back(node);
    return list;
  }

  // `key` must not be in any list.
  void PushHead(int list, uint64_t key) {
    Slot node;
    if (!free_.empty()) {
      node = free_.back();
      free_.pop_back();
      keys_[node] = key;
      list_of_[node] = static_cast<uint8_t>(list);
    } else {
      node = static_cast<Slot>(keys_.size());
      keys_.push_back(key);
      list_of_.push_back(static_cast<uint8_t>(list));
      links_.Grow(node);
    }
    index_.emplace(key, node);
    links_.PushHead(lists_[list], node);
  }

  // Drops the oldest key of `list`, which must not be empty.
  void PopTail(int list) {
    const Slot node = lists_[list].tail;
    assert(node != kNoSlot);
    index_.erase(keys_[node]);
    links_.Remove(lists_[list], node);
    free_.push_back(node);
  }

  uint64_t Size(int list) const { return lists_[list].size; }

  // Keys of `list` from head (newest) to tail, for tests and debugging.
  std::vector<uint64_t> Keys(int list) const {
    std::vector<uint64_t> out;
    for (Slot n = lists_[list].head; n != kNoSlot; n = links_.Next(n)) out.push_back(keys_[n]);
    return out;
  }

 private:
  SlotLinks links_;
  SlotList lists_[kMaxLists];
  std::vector<uint64_t> keys_;
  std::vector<uint8_t> list_of_;
  std::vector<Slot> free_;
  boost::unordered_flat_map<uint64_t, Slot> index_;
};

}  // namespace kvb
