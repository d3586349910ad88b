// Tests for the libCacheSim-compatible eviction policies (lru, mru, fifo, lfu, arc, s3fifo, sieve).
//
//  - PoliciesTest: one hand-worked trace per policy with exact hits, victims and final contents
//    (the comments walk through every step), plus pinning, erasing and unbounded-capacity cases.
//  - PolicyReferenceTest / PolicyPropertiesTest: every policy is replayed side by side with a
//    small, deliberately naive reference model (std::list / std::deque / std::map) written straight
//    from libCacheSim's code, comparing the hit/miss outcome AND the evicted key of every single
//    access, on seeded sweeps and on rapidcheck-generated traces; and invariants (occupancy,
//    pinned blocks are never victims, LRU's inclusion property).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "simulation/block_cache.h"
#include "simulation/eviction_policy.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

using Factory = std::unique_ptr<EvictionPolicy> (*)(const PolicyParams&);

struct NamedPolicy {
  const char* name;
  Factory make;
};

const std::vector<NamedPolicy>& AllPolicies() {
  static const std::vector<NamedPolicy> kPolicies = {
      {"lru", MakeLruPolicy},     {"mru", MakeMruPolicy}, {"fifo", MakeFifoPolicy},
      {"lfu", MakeLfuPolicy},     {"arc", MakeArcPolicy}, {"s3fifo", MakeS3FifoPolicy},
      {"sieve", MakeSievePolicy},
  };
  return kPolicies;
}

BlockCache MakeCache(Factory make, uint64_t capacity) {
  return BlockCache(capacity, make(PolicyParams{.capacity_blocks = capacity}));
}

struct RunResult {
  uint64_t hits = 0;
  std::vector<size_t> hit_positions;
  std::vector<uint64_t> evicted;  // in eviction order
  std::set<uint64_t> contents;    // keys of the trace still cached at the end
};

RunResult Replay(Factory make, uint64_t capacity, const std::vector<uint64_t>& trace) {
  BlockCache cache = MakeCache(make, capacity);
  cache.set_record_evictions(true);
  RunResult r;
  for (size_t i = 0; i < trace.size(); ++i) {
    if (cache.Access(trace[i], AccessContext{.access_index = i})) {
      ++r.hits;
      r.hit_positions.push_back(i);
    }
    for (uint64_t k : cache.TakeEvicted()) r.evicted.push_back(k);
  }
  for (uint64_t k : trace) {
    if (cache.Contains(k)) r.contents.insert(k);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Hand-worked scenarios. Lists are written head (newest / most recent) first.
// ---------------------------------------------------------------------------------------------

const std::vector<uint64_t> kSmallTrace = {1, 2, 3, 1, 4, 2, 5, 1, 2, 3};

TEST(PoliciesTest, LruHandTrace) {
  // C = 3, head = most recently used, victim = tail.
  //  0: 1 miss [1]             5: 2 miss, evict 3 -> [2 4 1]
  //  1: 2 miss [2 1]           6: 5 miss, evict 1 -> [5 2 4]
  //  2: 3 miss [3 2 1]         7: 1 miss, evict 4 -> [1 5 2]
  //  3: 1 hit  [1 3 2]         8: 2 hit           -> [2 1 5]
  //  4: 4 miss, evict 2 -> [4 1 3]   9: 3 miss, evict 5 -> [3 2 1]
  const RunResult r = Replay(MakeLruPolicy, 3, kSmallTrace);
  EXPECT_EQ(r.hits, 2u);
  EXPECT_EQ(r.hit_positions, (std::vector<size_t>{3, 8}));
  EXPECT_EQ(r.evicted, (std::vector<uint64_t>{2, 3, 1, 4, 5}));
  EXPECT_EQ(r.contents, (std::set<uint64_t>{1, 2, 3}));
}

TEST(PoliciesTest, FifoHandTrace) {
  // C = 3, insert at head, hits change nothing, victim = tail (oldest insert).
  //  0-2: [3 2 1]   3: 1 hit          4: 4 miss, evict 1 -> [4 3 2]   5: 2 hit
  //  6: 5 miss, evict 2 -> [5 4 3]    7: 1 miss, evict 3 -> [1 5 4]
  //  8: 2 miss, evict 4 -> [2 1 5]    9: 3 miss, evict 5 -> [3 2 1]
  const RunResult r = Replay(MakeFifoPolicy, 3, kSmallTrace);
  EXPECT_EQ(r.hits, 2u);
  EXPECT_EQ(r.hit_positions, (std::vector<size_t>{3, 5}));
  EXPECT_EQ(r.evicted, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(r.contents, (std::set<uint64_t>{1, 2, 3}));
}

TEST(PoliciesTest, MruHandTrace) {
  // C = 3, head = most recently used, victim = head (evicted before the new block goes in).
  //  0-2: [3 2 1]   3: 1 hit -> [1 3 2]
  //  4: 4 miss, evict 1 -> [4 3 2]    5: 2 hit -> [2 4 3]
  //  6: 5 miss, evict 2 -> [5 4 3]    7: 1 miss, evict 5 -> [1 4 3]
  //  8: 2 miss, evict 1 -> [2 4 3]    9: 3 hit -> [3 2 4]
  const RunResult r = Replay(MakeMruPolicy, 3, kSmallTrace);
  EXPECT_EQ(r.hits, 3u);
  EXPECT_EQ(r.hit_positions, (std::vector<size_t>{3, 5, 9}));
  EXPECT_EQ(r.evicted, (std::vector<uint64_t>{1, 2, 5, 1}));
  EXPECT_EQ(r.contents, (std::set<uint64_t>{2, 3, 4}));
}

TEST(PoliciesTest, LfuHandTrace) {
  // C = 3. fN: bucket of frequency N, head first. Inserts and promotions append to the bucket
  // tail; the victim is the head of the lowest bucket.
  //  0: 1 miss f1:[1]        1: 2 miss f1:[1 2]      2: 3 miss f1:[1 2 3]
  //  3: 1 hit  f1:[2 3] f2:[1]
  //  4: 2 hit  f1:[3] f2:[1 2]
  //  5: 4 miss, evict 3 (f1 head) -> f1:[4] f2:[1 2]
  //  6: 3 miss, evict 4 -> f1:[3]      7: 5 miss, evict 3 -> f1:[5]
  //  8: 4 miss, evict 5 -> f1:[4]
  //  9: 1 hit  f1:[4] f2:[2] f3:[1]
  // 10: 6 miss, evict 4 -> f1:[6] f2:[2] f3:[1]
  // 11: 6 hit  f2:[2 6] f3:[1]          (6 joins f2 behind 2)
  // 12: 7 miss, evict 2 (head of f2, the lowest bucket; 6 entered f2 later) -> f1:[7] f2:[6]
  // 13: 2 miss, evict 7 -> f1:[2] f2:[6] f3:[1]
  const std::vector<uint64_t> trace = {1, 2, 3, 1, 2, 4, 3, 5, 4, 1, 6, 6, 7, 2};
  const RunResult r = Replay(MakeLfuPolicy, 3, trace);
  EXPECT_EQ(r.hits, 4u);
  EXPECT_EQ(r.hit_positions, (std::vector<size_t>{3, 4, 9, 11}));
  EXPECT_EQ(r.evicted, (std::vector<uint64_t>{3, 4, 3, 5, 4, 2, 7}));
  EXPECT_EQ(r.contents, (std::set<uint64_t>{1, 2, 6}));
}

TEST(PoliciesTest, ArcHandTrace) {
  // C = 3, p starts at 0. "case A": |T1|+|B1|+1 > C; "case B": the other complete-miss case.
  //  0: 1 miss T1:[1]     1: 2 miss T1:[2 1]     2: 1 hit T1:[2] T2:[1]
  //  3: 3 miss T1:[3 2] T2:[1] (full)
  //  4: 4 miss, case B (2+0+1 <= 3; total 3 < 6), REPLACE: |T1|=2 > p=0 -> 2 to B1.
  //     T1:[4 3] T2:[1] B1:[2]
  //  5: 2 ghost hit in B1: delta = max(0/1, 1) = 1, p = 1. REPLACE: 2 > 1 -> 3 to B1.
  //     T1:[4] T2:[2 1] B1:[3]
  //  6: 5 miss, case B (1+1+1 <= 3; total 4 < 6). REPLACE: |T1|=1 > 1 no, == p but not a B2 hit,
  //     T2 not empty -> 1 to B2.   T1:[5 4] T2:[2] B1:[3] B2:[1]
  //  7: 1 ghost hit in B2: delta = max(1/1, 1) = 1, p = 0. REPLACE: 2 > 0 -> 4 to B1.
  //     T1:[5] T2:[1 2] B1:[4 3] B2:[]
  //  8: 6 miss, case A (1+2+1 > 3), B1 not empty: drop 3, REPLACE: 1 > 0 -> 5 to B1.
  //     T1:[6] T2:[1 2] B1:[5 4]
  //  9: 2 hit T2:[2 1]
  // 10: 4 ghost hit in B1: delta = max(0/2, 1) = 1, p = 1. REPLACE: 1 > 1 no -> 1 to B2.
  //     T1:[6] T2:[4 2] B1:[5] B2:[1]
  // 11: 1 ghost hit in B2: delta = 1, p = 0. REPLACE: 1 > 0 -> 6 to B1.
  //     T1:[] T2:[1 4 2] B1:[6 5] B2:[]
  // 12: 7 miss, case B (0+2+1 <= 3; total 5 < 6). REPLACE: T1 empty -> 2 to B2.
  //     T1:[7] T2:[1 4] B1:[6 5] B2:[2]
  // 13: 8 miss, case A (1+2+1 > 3): drop 5, REPLACE -> 7 to B1.  T1:[8] B1:[7 6]
  // 14: 8 hit -> T1:[] T2:[8 1 4] B1:[7 6] B2:[2]  (total 6)
  // 15: 10 miss, case B (0+2+1 <= 3) and total 6 >= 2C with B2 not empty: drop 2 from B2.
  //     REPLACE: T1 empty -> 4 to B2.  T1:[10] T2:[8 1] B1:[7 6] B2:[4]
  // 16: 2 miss (its ghost was dropped), case A (1+2+1 > 3): drop 6, REPLACE -> 10 to B1.
  //     T1:[2] T2:[8 1] B1:[10 7] B2:[4]
  // 17: 4 ghost hit in B2: delta = max(2/1, 1) = 2, p = max(0-2, 0) = 0. REPLACE -> 2 to B1.
  //     T1:[] T2:[4 8 1] B1:[2 10 7] B2:[]
  // 18: 7 ghost hit in B1: delta = 1, p = 1. REPLACE: T1 empty -> 1 to B2.
  //     T2:[7 4 8] B1:[2 10] B2:[1]
  // 19: 1 ghost hit in B2: delta = max(2/1, 1) = 2, p = 0. REPLACE -> 8 to B2.
  //     T2:[1 7 4] B1:[2 10] B2:[8]
  // 20: 10 ghost hit in B1: delta = max(1/2, 1) = 1, p = 1. REPLACE: T1 empty -> 4 to B2.
  //     T2:[10 1 7] B1:[2] B2:[4 8]
  // 21: 11 miss, case B (0+1+1 <= 3), total 6 >= 6: drop 8. REPLACE -> 7 to B2.
  //     T1:[11] T2:[10 1] B1:[2] B2:[7 4]
  // 22: 2 ghost hit in B1: delta = max(2/1, 1) = 2, p = min(1+2, 3) = 3. REPLACE: 1 > 3 no
  //     -> 1 to B2.  T1:[11] T2:[2 10] B1:[] B2:[1 7 4]
  // 23: 4 ghost hit in B2: delta = max(0/3, 1) = 1, p = 2. REPLACE: 1 > 2 no, 1 == 2 no
  //     -> 10 to B2.  T1:[11] T2:[4 2] B2:[10 1 7]
  // 24: 7 ghost hit in B2: delta = 1, p = 1. REPLACE: |T1| = 1 == p and this is a B2 hit
  //     -> 11 to B1 (the tie rule).  T1:[] T2:[7 4 2] B1:[11] B2:[10 1]
  // 25: 2 hit -> T2:[2 7 4]
  // 26: 12 miss, case B (0+1+1 <= 3), total 6: drop 1 from B2, REPLACE: T1 empty -> 4 to B2.
  //     T1:[12] T2:[2 7] B1:[11] B2:[4 10]
  // 27: 13 miss, case B (1+1+1 <= 3), total 6: drop 10. REPLACE: 1 > 1 no, not a B2 hit
  //     -> 7 to B2.  T1:[13 12] T2:[2] B1:[11] B2:[7 4]
  // 28: 14 miss, case A (2+1+1 > 3): drop 11, REPLACE: 2 > 1 -> 12 to B1.
  //     T1:[14 13] T2:[2] B1:[12] B2:[7 4]
  const std::vector<uint64_t> trace = {1,  2, 1, 3, 4, 2,  5,  1, 6, 2, 4, 1,  7,  8, 8,
                                       10, 2, 4, 7, 1, 10, 11, 2, 4, 7, 2, 12, 13, 14};
  const RunResult r = Replay(MakeArcPolicy, 3, trace);
  EXPECT_EQ(r.hits, 4u);
  EXPECT_EQ(r.hit_positions, (std::vector<size_t>{2, 9, 14, 25}));
  EXPECT_EQ(r.evicted, (std::vector<uint64_t>{2, 3, 1, 4, 5, 1, 6,  2,  7, 4, 10,
                                              2, 1, 8, 4, 7, 1, 10, 11, 4, 7, 12}));
  EXPECT_EQ(r.contents, (std::set<uint64_t>{2, 13, 14}));
}

TEST(PoliciesTest, S3FifoHandTrace) {
  // C = 20: small = (int)(20 * 0.1) = 2, main = 18, ghost = (int)(20 * 0.9) = 18.
  //  0: 1 miss -> small:[1]          1: 2 miss -> small:[2 1]
  //  2, 3: 1 hit twice -> f(1) = 2
  //  4..21: 3..20 miss; small is full and nothing was evicted yet -> main:[20 19 ... 4 3]
  // 22: 3 hit f=1.   23..26: 4 hit four times, f=4 (acts as 3)
  // 27: 21 miss, full. |main| = 18 is not > 18, small not empty -> evict small: tail 1 has
  //     f=2 -> main head with f=0 (main now 19); tail 2 has f=0 -> ghost:[2], victim 2.
  //     small:[21]
  // 28: 22 miss. |main| = 19 > 18 -> evict main: tail 3 f=1 -> head, f = min(1,3)-1 = 0;
  //     tail 4 f=4 -> head, f = min(4,3)-1 = 2; tail 5 f=0 -> victim 5.
  //     main:[4 3 1 20 ... 6] (18), small:[22 21]
  // 29: 2 miss, found in the ghost (consumed). |main| = 18, small not empty -> evict small:
  //     tail 21 f=0 -> ghost:[21], victim 21. 2 goes to main head (19). small:[22]
  // 30: 21 miss, ghost hit (consumed). |main| = 19 > 18 -> main tail 6 f=0 -> victim 6.
  //     21 goes to main head: main:[21 2 4 3 1 20 ... 7] (19)
  // 31, 32: 22 hit twice -> f(22) = 2
  // 33: 23 miss. |main| = 19 > 18 -> main tail 7 f=0 -> victim 7. small:[23 22]
  // 34: 24 miss. |main| = 18 -> evict small: tail 22 f=2 -> main head f=0 (19); tail 23 f=0 ->
  //     ghost:[23], victim 23. small:[24]
  // 35: 4 hit -> f(4) = 3
  // 36: 25 miss. |main| = 19 > 18 -> main tail 8 f=0 -> victim 8. small:[25 24]
  // 37: 3 hit -> f(3) = 1.   38..41: 24 and 25 hit twice each -> f = 2
  // 42: 26 miss. |main| = 18 -> evict small: 24 then 25 are promoted (main 20), small is empty
  //     and nothing was freed, so evict again: |main| = 20 > 18 -> main tail 9 f=0 -> victim 9.
  //     small:[26], main:[25 24 22 21 2 4 3 1 20 ... 10]
  std::vector<uint64_t> trace = {1, 2, 1, 1};
  for (uint64_t k = 3; k <= 20; ++k) trace.push_back(k);
  for (uint64_t k : {3, 4, 4, 4, 4, 21, 22, 2, 21, 22, 22, 23, 24, 4, 25, 3, 24, 24, 25, 25, 26}) {
    trace.push_back(k);
  }
  ASSERT_EQ(trace.size(), 43u);
  const RunResult r = Replay(MakeS3FifoPolicy, 20, trace);
  EXPECT_EQ(r.hits, 15u);
  EXPECT_EQ(r.evicted, (std::vector<uint64_t>{2, 5, 21, 6, 7, 23, 8, 9}));
  std::set<uint64_t> expected = {1, 2, 3, 4, 21, 22, 24, 25, 26};
  for (uint64_t k = 10; k <= 20; ++k) expected.insert(k);
  EXPECT_EQ(r.contents, expected);
}

TEST(PoliciesTest, SieveHandTrace) {
  // C = 3, head = newest, * = visited. The hand walks from the tail toward the head and wraps.
  //  0-2: [3 2 1]        3: 1 hit -> 1*
  //  4: 4 miss: hand unset -> tail 1* (clear), 2 -> victim 2, hand = 3.  [4 3 1]
  //  5: 2 miss: hand 3 -> victim 3, hand = 4.  [2 4 1]
  //  6: 5 miss: hand 4 -> victim 4, hand = 2.  [5 2 1]
  //  7: 1 hit -> 1*
  //  8: 3 miss: hand 2 -> victim 2, hand = 5.  [3 5 1*]
  //  9: 5 hit -> 5*
  // 10: 6 miss: hand 5* (clear), 3 -> victim 3 (the head), hand unset.  [6 5 1*]
  // 11: 7 miss: tail 1* (clear), 5 -> victim 5, hand = 6.  [7 6 1]
  // 12: 1 hit, 13: 6 hit -> [7 6* 1*]
  // 14: 8 miss: hand 6* (clear), 7 -> victim 7 (the head), hand unset.  [8 6 1*]
  // 15: 9 miss: tail 1* (clear), 6 -> victim 6, hand = 8.  [9 8 1]
  // 16: 1 hit, 17: 9 hit, 18: 8 hit -> [9* 8* 1*], hand = 8
  // 19: 10 miss: 8* (clear), 9* (clear), past the head wrap to the tail 1* (clear), 8 -> victim 8,
  //     hand = 9.  [10 9 1]
  // 20: 1 hit -> 1*
  // 21: 11 miss: hand 9 -> victim 9, hand = 10.  [11 10 1*]
  const std::vector<uint64_t> trace = {1, 2, 3, 1, 4, 2, 5, 1, 3,  5, 6,
                                       7, 1, 6, 8, 9, 1, 9, 8, 10, 1, 11};
  const RunResult r = Replay(MakeSievePolicy, 3, trace);
  EXPECT_EQ(r.hits, 9u);
  EXPECT_EQ(r.hit_positions, (std::vector<size_t>{3, 7, 9, 12, 13, 16, 17, 18, 20}));
  EXPECT_EQ(r.evicted, (std::vector<uint64_t>{2, 3, 4, 2, 3, 5, 7, 6, 8, 9}));
  EXPECT_EQ(r.contents, (std::set<uint64_t>{1, 10, 11}));
}

TEST(PoliciesTest, SieveEraseUnderTheHandMovesTheHand) {
  // C = 3: 1 2 3, hit 1, miss 4 -> victim 2, hand = 3: [4 3 1]. Erasing 3 moves the hand to 4
  // (toward the head). Then 5 fills the cache ([5 4 1]) and 6 evicts 4, the block under the hand.
  BlockCache cache = MakeCache(MakeSievePolicy, 3);
  cache.set_record_evictions(true);
  uint64_t i = 0;
  for (uint64_t k : {1, 2, 3, 1, 4}) cache.Access(k, AccessContext{.access_index = i++});
  EXPECT_EQ(cache.TakeEvicted(), (std::vector<uint64_t>{2}));
  ASSERT_TRUE(cache.Erase(3));
  cache.Access(5, AccessContext{.access_index = i++});
  EXPECT_TRUE(cache.TakeEvicted().empty());
  cache.Access(6, AccessContext{.access_index = i++});
  EXPECT_EQ(cache.TakeEvicted(), (std::vector<uint64_t>{4}));
}

TEST(PoliciesTest, UnboundedCapacityNeverEvicts) {
  for (const auto& p : AllPolicies()) {
    SCOPED_TRACE(p.name);
    BlockCache cache = MakeCache(p.make, std::numeric_limits<uint64_t>::max());
    uint64_t i = 0;
    for (uint64_t k = 0; k < 2000; ++k) cache.Access(k, AccessContext{.access_index = i++});
    for (uint64_t k = 0; k < 2000; k += 3) {
      EXPECT_TRUE(cache.Access(k, AccessContext{.access_index = i++}));
    }
    EXPECT_EQ(cache.size(), 2000u);
    EXPECT_EQ(cache.stats().evictions, 0u);
  }
}

TEST(PoliciesTest, VictimIsNoSlotWhenEveryBlockIsPinned) {
  for (const auto& p : AllPolicies()) {
    SCOPED_TRACE(p.name);
    BlockCache cache = MakeCache(p.make, 4);
    cache.set_record_evictions(true);
    uint64_t i = 0;
    for (uint64_t k : {1, 2, 3, 4, 2, 2, 3}) cache.Access(k, AccessContext{.access_index = i++});
    for (uint64_t k : {1, 2, 3, 4}) ASSERT_TRUE(cache.Pin(k));
    EXPECT_EQ(cache.policy().Victim(), kNoSlot);
    EXPECT_EQ(cache.policy().Victim(), kNoSlot);  // and a failed search changed nothing
    EXPECT_FALSE(cache.Access(5, AccessContext{.access_index = i++}));
    EXPECT_EQ(cache.stats().failed_inserts, 1u);
    EXPECT_FALSE(cache.Contains(5));
    EXPECT_TRUE(cache.TakeEvicted().empty());
    // With one block unpinned, that block is the only possible victim.
    cache.Unpin(3);
    EXPECT_FALSE(cache.Access(5, AccessContext{.access_index = i++}));
    EXPECT_EQ(cache.TakeEvicted(), (std::vector<uint64_t>{3}));
    for (uint64_t k : {1, 2, 4, 5}) EXPECT_TRUE(cache.Contains(k)) << k;
  }
}

TEST(PoliciesTest, VictimOnEmptyCacheIsNoSlot) {
  for (const auto& p : AllPolicies()) {
    SCOPED_TRACE(p.name);
    auto policy = p.make(PolicyParams{.capacity_blocks = 8});
    EXPECT_EQ(policy->Victim(), kNoSlot);
  }
}

// A pinned block at the victim end is passed over and keeps its place in the order.
TEST(PoliciesTest, PinnedBlocksArePassedOverInPlace) {
  struct Case {
    Factory make;
    const char* name;
    uint64_t pinned;                // after accessing 1 2 3 (C = 3)
    std::vector<uint64_t> victims;  // victims of the misses 4 (pinned) and 5 (unpinned)
  };
  // lru/fifo/lfu: 1 is the oldest; 4 evicts 2 (1 pinned); after unpinning, 5 evicts 1, which
  // has not moved. sieve: 4 evicts 2 and leaves the hand on 3 (toward the head from 2), so 5
  // evicts 3. mru: 3 is the newest; 4 evicts 2 instead; 5 then evicts 4 (the newest).
  const std::vector<Case> cases = {
      {MakeLruPolicy, "lru", 1, {2, 1}},     {MakeFifoPolicy, "fifo", 1, {2, 1}},
      {MakeSievePolicy, "sieve", 1, {2, 3}}, {MakeMruPolicy, "mru", 3, {2, 4}},
      {MakeLfuPolicy, "lfu", 1, {2, 1}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    BlockCache cache = MakeCache(c.make, 3);
    cache.set_record_evictions(true);
    uint64_t i = 0;
    for (uint64_t k : {1, 2, 3}) cache.Access(k, AccessContext{.access_index = i++});
    cache.Pin(c.pinned);
    cache.Access(4, AccessContext{.access_index = i++});
    cache.Unpin(c.pinned);
    cache.Access(5, AccessContext{.access_index = i++});
    EXPECT_EQ(cache.TakeEvicted(), c.victims);
  }
}

// ---------------------------------------------------------------------------------------------
// Reference models: straightforward transcriptions of libCacheSim's code, one object per entry
// and linear searches, so that they are easy to check by eye. Lists: front = head (newest).
// ---------------------------------------------------------------------------------------------

class RefModel {
 public:
  virtual ~RefModel() = default;
  // One request of a size-1 object: returns true on a hit and appends the evicted keys.
  virtual bool Access(uint64_t key, std::vector<uint64_t>& evicted) = 0;
};

template <class Seq>
bool Has(const Seq& s, uint64_t key) {
  return std::find(s.begin(), s.end(), key) != s.end();
}

template <class Seq>
void Erase(Seq& s, uint64_t key) {
  s.erase(std::find(s.begin(), s.end(), key));
}

class RefLru : public RefModel {
 public:
  RefLru(uint64_t c, bool mru) : c_(c), mru_(mru) {}
  bool Access(uint64_t key, std::vector<uint64_t>& evicted) override {
    if (Has(q_, key)) {
      Erase(q_, key);
      q_.push_front(key);
      return true;
    }
    while (q_.size() + 1 > c_) {
      evicted.push_back(mru_ ? q_.front() : q_.back());
      mru_ ? q_.pop_front() : q_.pop_back();
    }
    q_.push_front(key);
    return false;
  }

 private:
  uint64_t c_;
  bool mru_;
  std::list<uint64_t> q_;
};

class RefFifo : public RefModel {
 public:
  explicit RefFifo(uint64_t c) : c_(c) {}
  bool Access(uint64_t key, std::vector<uint64_t>& evicted) override {
    if (Has(q_, key)) return true;
    while (q_.size() + 1 > c_) {
      evicted.push_back(q_.back());
      q_.pop_back();
    }
    q_.push_front(key);
    return false;
  }

 private:
  uint64_t c_;
  std::list<uint64_t> q_;
};

// LFU.c: freq nodes with first_obj/last_obj; append_obj_to_tail on insert and on promotion,
// evict first_obj of the min-freq node.
class RefLfu : public RefModel {
 public:
  explicit RefLfu(uint64_t c) : c_(c) {}
  bool Access(uint64_t key, std::vector<uint64_t>& evicted) override {
    if (auto it = freq_.find(key); it != freq_.end()) {
      const uint64_t f = it->second;
      Erase(nodes_[f], key);
      if (nodes_[f].empty()) nodes_.erase(f);
      nodes_[f + 1].push_back(key);
      it->second = f + 1;
      return true;
    }
    while (freq_.size() + 1 > c_) {
      auto node = nodes_.begin();  // min freq
      const uint64_t victim = node->second.front();
      node->second.pop_front();
      if (node->second.empty()) nodes_.erase(node);
      freq_.erase(victim);
      evicted.push_back(victim);
    }
    freq_[key] = 1;
    nodes_[1].push_back(key);
    return false;
  }

 private:
  uint64_t c_;
  std::map<uint64_t, uint64_t> freq_;
  std::map<uint64_t, std::list<uint64_t>> nodes_;  // front = first_obj
};

// ARC.c: ARC_find, then cache_get_base's "while full: evict", then ARC_insert.
class RefArc : public RefModel {
 public:
  explicit RefArc(uint64_t c) : c_(c) {}
  bool Access(uint64_t key, std::vector<uint64_t>& evicted) override {
    in_b1_ = in_b2_ = false;
    if (Has(t1_, key)) {
      Erase(t1_, key);
      t2_.push_front(key);
      return true;
    }
    if (Has(t2_, key)) {
      Erase(t2_, key);
      t2_.push_front(key);
      return true;
    }
    const double b1 = static_cast<double>(b1_.size());
    const double b2 = static_cast<double>(b2_.size());
    if (Has(b1_, key)) {
      in_b1_ = true;
      const double delta = std::max(b2 / b1, 1.0);
      p_ = std::min(p_ + delta, static_cast<double>(c_));
      Erase(b1_, key);
    } else if (Has(b2_, key)) {
      in_b2_ = true;
      const double delta = std::max(b1 / b2, 1.0);
      p_ = std::max(p_ - delta, 0.0);
      Erase(b2_, key);
    }
    while (t1_.size() + t2_.size() + 1 > c_) {
      if (in_b1_ || in_b2_) {
        Replace(evicted);
      } else {
        EvictMissOnAllQueues(evicted);
      }
    }
    (in_b1_ || in_b2_ ? t2_ : t1_).push_front(key);
    return false;
  }

 private:
  void Replace(std::vector<uint64_t>& evicted) {
    const double t1 = static_cast<double>(t1_.size());
    const bool cond1 = !t1_.empty();
    const bool cond2 = t1 > p_;
    const bool cond3 = t1 == p_ && in_b2_;
    const bool cond4 = t2_.empty();
    if ((cond1 && (cond2 || cond3)) || cond4) {
      evicted.push_back(t1_.back());
      b1_.push_front(t1_.back());
      t1_.pop_back();
    } else {
      evicted.push_back(t2_.back());
      b2_.push_front(t2_.back());
      t2_.pop_back();
    }
  }

  void EvictMissOnAllQueues(std::vector<uint64_t>& evicted) {
    if (t1_.size() + b1_.size() + 1 > c_) {
      if (!b1_.empty()) {
        b1_.pop_back();
        Replace(evicted);
      } else {
        evicted.push_back(t1_.back());
        t1_.pop_back();
      }
    } else {
      if (t1_.size() + b1_.size() + t2_.size() + b2_.size() >= 2 * c_ && !b2_.empty()) {
        b2_.pop_back();
      }
      Replace(evicted);
    }
  }

  uint64_t c_;
  double p_ = 0;
  bool in_b1_ = false;
  bool in_b2_ = false;
  std::list<uint64_t> t1_, t2_, b1_, b2_;
};

// S3FIFO.c (2024): S3FIFO_find, S3FIFO_can_insert, cache_get_base's eviction loop, S3FIFO_insert.
class RefS3Fifo : public RefModel {
 public:
  explicit RefS3Fifo(uint64_t c)
      : c_(static_cast<int64_t>(c)),
        small_size_(static_cast<int64_t>(static_cast<double>(c) * 0.1)),
        main_size_(c_ - small_size_),
        ghost_size_(static_cast<int64_t>(static_cast<double>(c) * 0.9)) {}

  bool Access(uint64_t key, std::vector<uint64_t>& evicted) override {
    hit_on_ghost_ = false;
    if (Has(small_, key)) {
      ++freq_[key];
      return true;
    }
    if (ghost_size_ > 0 && Has(ghost_, key)) {
      Erase(ghost_, key);
      hit_on_ghost_ = true;
    }
    if (Has(main_, key)) {
      ++freq_[key];
      return true;
    }
    if (!(1 <= small_size_ && 1 <= c_)) return false;  // can_insert
    while (static_cast<int64_t>(small_.size() + main_.size()) + 1 > c_) Evict(evicted);
    if (hit_on_ghost_) {
      hit_on_ghost_ = false;
      main_.push_front(key);
    } else {
      if (1 >= small_size_) return false;  // insert returns NULL
      if (!has_evicted_ && static_cast<int64_t>(small_.size()) >= small_size_) {
        main_.push_front(key);
      } else {
        small_.push_front(key);
      }
    }
    freq_[key] = 0;
    return false;
  }

 private:
  void Evict(std::vector<uint64_t>& evicted) {
    has_evicted_ = true;
    if (static_cast<int64_t>(main_.size()) > main_size_ || small_.empty()) {
      EvictMain(evicted);
    } else {
      EvictSmall(evicted);
    }
  }

  void EvictSmall(std::vector<uint64_t>& evicted) {
    bool has_evicted = false;
    while (!has_evicted && !small_.empty()) {
      const uint64_t k = small_.back();
      if (freq_[k] >= 2) {
        main_.push_front(k);
        freq_[k] = 0;  // a new object in main
      } else {
        if (ghost_size_ > 0 && !Has(ghost_, k)) {  // FIFO get(): a hit changes nothing
          while (static_cast<int64_t>(ghost_.size()) + 1 > ghost_size_) ghost_.pop_back();
          ghost_.push_front(k);
        }
        freq_.erase(k);
        evicted.push_back(k);
        has_evicted = true;
      }
      small_.pop_back();
    }
  }

  void EvictMain(std::vector<uint64_t>& evicted) {
    bool has_evicted = false;
    while (!has_evicted && !main_.empty()) {
      const uint64_t k = main_.back();
      const int64_t f = freq_[k];
      main_.pop_back();
      if (f >= 1) {
        main_.push_front(k);
        freq_[k] = std::min<int64_t>(f, 3) - 1;
      } else {
        freq_.erase(k);
        evicted.push_back(k);
        has_evicted = true;
      }
    }
  }

  int64_t c_, small_size_, main_size_, ghost_size_;
  bool hit_on_ghost_ = false;
  bool has_evicted_ = false;
  std::deque<uint64_t> small_, main_, ghost_;
  std::map<uint64_t, int64_t> freq_;
};

// Sieve.c: prepend on insert, freq = 1 on hit, Sieve_evict.
class RefSieve : public RefModel {
 public:
  explicit RefSieve(uint64_t c) : c_(c) {}
  bool Access(uint64_t key, std::vector<uint64_t>& evicted) override {
    if (auto it = visited_.find(key); it != visited_.end()) {
      it->second = true;
      return true;
    }
    while (q_.size() + 1 > c_) {
      auto obj = hand_set_ ? hand_ : std::prev(q_.end());
      while (visited_[*obj]) {
        visited_[*obj] = false;
        obj = obj == q_.begin() ? std::prev(q_.end()) : std::prev(obj);
      }
      hand_set_ = obj != q_.begin();
      if (hand_set_) hand_ = std::prev(obj);
      evicted.push_back(*obj);
      visited_.erase(*obj);
      q_.erase(obj);
    }
    q_.push_front(key);
    visited_[key] = false;
    return false;
  }

 private:
  uint64_t c_;
  std::list<uint64_t> q_;
  std::map<uint64_t, bool> visited_;
  std::list<uint64_t>::iterator hand_;
  bool hand_set_ = false;
};

std::unique_ptr<RefModel> MakeRef(const std::string& name, uint64_t c) {
  if (name == "lru") return std::make_unique<RefLru>(c, false);
  if (name == "mru") return std::make_unique<RefLru>(c, true);
  if (name == "fifo") return std::make_unique<RefFifo>(c);
  if (name == "lfu") return std::make_unique<RefLfu>(c);
  if (name == "arc") return std::make_unique<RefArc>(c);
  if (name == "s3fifo") return std::make_unique<RefS3Fifo>(c);
  if (name == "sieve") return std::make_unique<RefSieve>(c);
  return nullptr;
}

Factory FactoryFor(const std::string& name) {
  for (const auto& p : AllPolicies()) {
    if (name == p.name) return p.make;
  }
  return nullptr;
}

// Replays `trace` through the policy and its reference model. Returns an empty string when every
// access agrees (same hit/miss, same victims), else a description of the first disagreement.
std::string CompareWithReference(const std::string& name, uint64_t capacity,
                                 const std::vector<uint64_t>& trace) {
  BlockCache cache = MakeCache(FactoryFor(name), capacity);
  cache.set_record_evictions(true);
  auto ref = MakeRef(name, capacity);
  for (size_t i = 0; i < trace.size(); ++i) {
    std::vector<uint64_t> ref_evicted;
    const bool ref_hit = ref->Access(trace[i], ref_evicted);
    const bool hit = cache.Access(trace[i], AccessContext{.access_index = i});
    const std::vector<uint64_t> evicted = cache.TakeEvicted();
    if (hit != ref_hit || evicted != ref_evicted) {
      std::string msg = name + " C=" + std::to_string(capacity) + " access " + std::to_string(i) +
                        " key " + std::to_string(trace[i]) + ": hit " + std::to_string(hit) +
                        " vs reference " + std::to_string(ref_hit) + "; evicted [";
      for (uint64_t k : evicted) msg += std::to_string(k) + " ";
      msg += "] vs reference [";
      for (uint64_t k : ref_evicted) msg += std::to_string(k) + " ";
      return msg + "]";
    }
  }
  return "";
}

// A mixed workload: a hot set, uniform keys over ~3C, a loop slightly longer than C (reuse just
// beyond the cache, which is what ghost lists are for) and one-hit wonders.
std::vector<uint64_t> MixedTrace(uint64_t capacity, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, 99);
  const uint64_t hot = std::max<uint64_t>(1, capacity / 2);
  const uint64_t loop = capacity + capacity / 2 + 1;
  std::vector<uint64_t> trace;
  trace.reserve(n);
  uint64_t loop_pos = 0, fresh = 1'000'000;
  for (size_t i = 0; i < n; ++i) {
    const int r = pick(rng);
    if (r < 40) {
      trace.push_back(rng() % hot);
    } else if (r < 70) {
      trace.push_back(rng() % (3 * capacity + 1));
    } else if (r < 90) {
      trace.push_back(10'000 + loop_pos++ % loop);
    } else {
      trace.push_back(fresh++);
    }
  }
  return trace;
}

// The smallest capacity at which the reference model is libCacheSim (see s3fifo.cpp).
uint64_t MinExactCapacity(const std::string& name) { return name == "s3fifo" ? 20 : 1; }

TEST(PolicyReferenceTest, SeededSweepMatchesReferenceOnEveryAccess) {
  for (const auto& p : AllPolicies()) {
    const std::string name = p.name;
    const std::vector<uint64_t> capacities =
        name == "s3fifo" ? std::vector<uint64_t>{20, 21, 29, 30, 37, 50, 64, 100}
                         : std::vector<uint64_t>{1, 2, 3, 4, 5, 7, 10, 16, 33};
    for (uint64_t c : capacities) {
      for (uint64_t seed = 0; seed < 12; ++seed) {
        const std::string diff = CompareWithReference(name, c, MixedTrace(c, 3000, seed));
        ASSERT_EQ(diff, "") << "seed " << seed;
      }
    }
  }
}

// rapidcheck: random capacity and a random trace mixing a hot set with a wider key range.
std::vector<uint64_t> GenTrace(uint64_t capacity) {
  const uint64_t universe = *rc::gen::inRange<uint64_t>(1, 4 * capacity + 3);
  const uint64_t hot = std::max<uint64_t>(1, universe / 3);
  return *rc::gen::resize(
      800, rc::gen::container<std::vector<uint64_t>>(rc::gen::oneOf(
               rc::gen::inRange<uint64_t>(0, universe), rc::gen::inRange<uint64_t>(0, hot))));
}

void CheckAgainstReference(const std::string& name, uint64_t max_capacity) {
  const uint64_t min_c = MinExactCapacity(name);
  const uint64_t capacity = *rc::gen::inRange<uint64_t>(min_c, min_c + max_capacity + 1);
  const std::vector<uint64_t> trace = GenTrace(capacity);
  const std::string diff = CompareWithReference(name, capacity, trace);
  RC_ASSERT(diff == "");
}

RC_GTEST_PROP(PolicyPropertiesTest, LruMatchesReference, ()) { CheckAgainstReference("lru", 12); }
RC_GTEST_PROP(PolicyPropertiesTest, MruMatchesReference, ()) { CheckAgainstReference("mru", 12); }
RC_GTEST_PROP(PolicyPropertiesTest, FifoMatchesReference, ()) { CheckAgainstReference("fifo", 12); }
RC_GTEST_PROP(PolicyPropertiesTest, LfuMatchesReference, ()) { CheckAgainstReference("lfu", 12); }
RC_GTEST_PROP(PolicyPropertiesTest, ArcMatchesReference, ()) { CheckAgainstReference("arc", 12); }
RC_GTEST_PROP(PolicyPropertiesTest, S3FifoMatchesReference, ()) {
  CheckAgainstReference("s3fifo", 40);
}
RC_GTEST_PROP(PolicyPropertiesTest, SieveMatchesReference, ()) {
  CheckAgainstReference("sieve", 12);
}

// Any capacity (S3-FIFO below 20 included), any trace: the cache never holds more than its
// capacity, a hit is exactly "was cached", the accessed block is cached afterwards, and every
// victim was cached and is not any more.
RC_GTEST_PROP(PolicyPropertiesTest, OccupancyNeverExceedsCapacity, ()) {
  const auto& policy = AllPolicies()[*rc::gen::inRange<size_t>(0, AllPolicies().size())];
  const uint64_t capacity = *rc::gen::inRange<uint64_t>(1, 40);
  const std::vector<uint64_t> trace = GenTrace(capacity);
  BlockCache cache = MakeCache(policy.make, capacity);
  cache.set_record_evictions(true);
  std::set<uint64_t> resident;
  for (size_t i = 0; i < trace.size(); ++i) {
    const bool was_cached = resident.count(trace[i]) > 0;
    RC_ASSERT(cache.Access(trace[i], AccessContext{.access_index = i}) == was_cached);
    for (uint64_t k : cache.TakeEvicted()) {
      RC_ASSERT(resident.erase(k) == 1u);
      RC_ASSERT(!cache.Contains(k));
    }
    resident.insert(trace[i]);
    RC_ASSERT(cache.Contains(trace[i]));
    RC_ASSERT(cache.size() <= capacity);
    RC_ASSERT(cache.size() == resident.size());
  }
}

// LRU is a stack algorithm: a larger cache holds a superset, so hits never fall.
RC_GTEST_PROP(PolicyPropertiesTest, LruHitsNeverFallAsCapacityGrows, ()) {
  const std::vector<uint64_t> trace = GenTrace(*rc::gen::inRange<uint64_t>(1, 16));
  uint64_t previous = 0;
  for (uint64_t c = 1; c <= 40; ++c) {
    const uint64_t hits = Replay(MakeLruPolicy, c, trace).hits;
    RC_ASSERT(hits >= previous);
    previous = hits;
  }
}

// Random accesses interleaved with pins, unpins and erases: a pinned block is never a victim, an
// erased block is never a victim, and the cache and a shadow copy stay in agreement.
RC_GTEST_PROP(PolicyPropertiesTest, PinnedAndErasedBlocksAreNeverVictims, ()) {
  const auto& policy = AllPolicies()[*rc::gen::inRange<size_t>(0, AllPolicies().size())];
  const uint64_t capacity = *rc::gen::inRange<uint64_t>(1, 24);
  const uint64_t universe = 3 * capacity + 2;
  enum Op { kAccess, kPin, kUnpin, kErase };
  const auto ops = *rc::gen::resize(
      600, rc::gen::container<std::vector<std::pair<int, uint64_t>>>(rc::gen::pair(
               rc::gen::weightedElement<int>({{10, kAccess}, {2, kPin}, {2, kUnpin}, {1, kErase}}),
               rc::gen::inRange<uint64_t>(0, universe))));
  BlockCache cache = MakeCache(policy.make, capacity);
  cache.set_record_evictions(true);
  std::map<uint64_t, uint32_t> resident;  // key -> pin count
  uint64_t failed = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto [op, key] = ops[i];
    auto it = resident.find(key);
    switch (op) {
      case kAccess: {
        const bool hit = cache.Access(key, AccessContext{.access_index = i});
        RC_ASSERT(hit == (it != resident.end()));
        for (uint64_t k : cache.TakeEvicted()) {
          auto victim = resident.find(k);
          RC_ASSERT(victim != resident.end());  // not erased, not evicted before
          RC_ASSERT(victim->second == 0u);      // not pinned
          resident.erase(victim);
        }
        if (!hit) {
          bool all_pinned = resident.size() >= capacity;
          for (const auto& [k, pins] : resident) all_pinned = all_pinned && pins > 0;
          if (cache.Contains(key)) {
            resident.emplace(key, 0);
          } else {
            ++failed;
            RC_ASSERT(all_pinned);
          }
        }
        break;
      }
      case kPin:
        RC_ASSERT(cache.Pin(key) == (it != resident.end()));
        if (it != resident.end()) ++it->second;
        break;
      case kUnpin:
        cache.Unpin(key);
        if (it != resident.end() && it->second > 0) --it->second;
        break;
      case kErase: {
        const bool erasable = it != resident.end() && it->second == 0;
        RC_ASSERT(cache.Erase(key) == erasable);
        if (erasable) resident.erase(it);
        break;
      }
    }
    RC_ASSERT(cache.size() == resident.size());
    RC_ASSERT(cache.size() <= capacity);
    for (const auto& [k, pins] : resident) RC_ASSERT(cache.Contains(k));
  }
  RC_ASSERT(cache.stats().failed_inserts == failed);
}

}  // namespace
}  // namespace kvb
