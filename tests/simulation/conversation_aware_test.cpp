// conversation-aware: hand-worked scenarios (expected victims derived in the comments from the
// policy's rules and estimator) and properties checked against a model of the cache.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "simulation/block_cache.h"
#include "simulation/policy_registry.h"

namespace kvb {
namespace {

struct Req {
  int64_t conv;
  uint32_t category;
  double t;
  std::vector<uint64_t> keys;
};

class Harness {
 public:
  explicit Harness(uint64_t capacity)
      : cache_(capacity, MakeConversationAwarePolicy(PolicyParams{capacity})) {
    cache_.set_record_evictions(true);
  }

  // Serves one request (its blocks in order, then EndRequest); returns the keys evicted meanwhile.
  std::vector<uint64_t> Run(const Req& r) {
    std::vector<uint64_t> evicted;
    for (uint32_t i = 0; i < r.keys.size(); ++i) {
      cache_.Access(r.keys[i], Context(r, i));
      for (uint64_t k : cache_.TakeEvicted()) evicted.push_back(k);
    }
    cache_.EndRequest();
    return evicted;
  }

  AccessContext Context(const Req& r, uint32_t i) {
    AccessContext ctx;
    ctx.time_s = r.t;
    ctx.access_index = access_index_++;
    ctx.conversation_id = r.conv;
    ctx.category = r.category;
    ctx.block_index = i;
    ctx.blocks_in_request = static_cast<uint32_t>(r.keys.size());
    return ctx;
  }

  BlockCache& cache() { return cache_; }

 private:
  BlockCache cache_;
  uint64_t access_index_ = 0;
};

using Keys = std::vector<uint64_t>;

TEST(ConversationAwareTest, IsRegistered) {
  const PolicyInfo& info = FindPolicy("conversation-aware");
  EXPECT_FALSE(info.needs_future);
  BlockCache cache(2, info.make(PolicyParams{2}));
  AccessContext ctx;
  EXPECT_FALSE(cache.Access(1, ctx));
  EXPECT_TRUE(cache.Access(1, ctx));
}

// All conversations in one category and never followed: the order across conversations is LRU by
// request, and inside a conversation the deepest block goes first.
TEST(ConversationAwareTest, TrimsConversationsTailFirst) {
  Harness h(4);
  EXPECT_EQ(h.Run({1, 0, 0.0, {1, 2, 3}}), Keys{});
  // conv 1 is the only candidate (conv 2 is being served): its top, 3.
  EXPECT_EQ(h.Run({2, 0, 1.0, {10, 11}}), Keys{3});
  // conv 1 is its category's least recently active conversation: 2, then 1, then conv 2's 11.
  EXPECT_EQ(h.Run({3, 0, 2.0, {20}}), Keys{2});
  EXPECT_EQ(h.Run({4, 0, 3.0, {30, 31}}), (Keys{1, 11}));
  EXPECT_TRUE(h.cache().Contains(10));
}

// conv 1's second turn does not touch 3 (its old partial last block): 3 is stale and goes before
// the current blocks of the older conv 7.
TEST(ConversationAwareTest, StaleBlocksGoBeforeCurrentOnes) {
  Harness h(6);
  EXPECT_EQ(h.Run({7, 0, 0.0, {30, 31}}), Keys{});
  EXPECT_EQ(h.Run({1, 0, 1.0, {1, 2, 3}}), Keys{});
  EXPECT_EQ(h.Run({1, 0, 2.0, {1, 2, 4}}), Keys{});
  EXPECT_EQ(h.Run({9, 0, 3.0, {50, 51}}), (Keys{3, 31}));
  EXPECT_TRUE(h.cache().Contains(1));
  EXPECT_TRUE(h.cache().Contains(4));
}

// Category 1 conversations always send a second turn 5 s later (recorded as category 3), category
// 2 ones never do; training evicts nothing (each round is erased), so the first eviction below
// has no window yet and scores the posterior of ever another turn. Then conv 500 (category 1,
// idle 1 s) and conv 600 (category 2, idle 0.5 s, the more recent one) compete:
//   category 1: n = 22 turns (20 trained + conv 500 + conv 700), m = 20, P = 21/24 = 0.875; all
//     gaps (5 s) exceed 1 s and the prior (mean 5 s) gives e^-0.2, so S(1) = (20 + 2*0.819)/22 =
//     0.984 and s = 0.875*0.984 / (0.125 + 0.875*0.984) = 0.87;
//   category 2: n = 21, m = 0, P = 1/23; S(0.5) = prior e^-0.1 = 0.905, s = 0.040.
// LRU would drop conv 500's blocks; the policy drops 4, then 3 (same request, same scores).
TEST(ConversationAwareTest, CategoryThatNeverReturnsIsEvictedFirst) {
  Harness h(4);
  for (int i = 0; i < 20; ++i) {
    const double t = 10.0 * i;
    const uint64_t a = 1000 + 10 * i;
    const uint64_t b = 2000 + i;
    EXPECT_EQ(h.Run({100 + i, 1, t, {a}}), Keys{});
    EXPECT_EQ(h.Run({200 + i, 2, t + 2, {b}}), Keys{});
    EXPECT_EQ(h.Run({100 + i, 3, t + 5, {a, a + 1}}), Keys{});
    for (uint64_t k : {a, a + 1, b}) h.cache().Erase(k);
  }
  ASSERT_EQ(h.cache().size(), 0u);

  EXPECT_EQ(h.Run({500, 1, 300.0, {1, 2}}), Keys{});
  EXPECT_EQ(h.Run({600, 2, 300.5, {3, 4}}), Keys{});
  EXPECT_EQ(h.Run({700, 1, 301.0, {5, 6}}), (Keys{4, 3}));
  EXPECT_TRUE(h.cache().Contains(1));
  EXPECT_TRUE(h.cache().Contains(2));
}

// Every conversation here is fully evicted before its second turn arrives (capacity 2, B's two
// blocks push out A's two), so crediting the follow-up needs the policy to remember
// conversations with no cached block. Every training eviction has a single candidate; the scored
// ones have idle times 1, 1, 4, 4 (round 0) then 5, 5, 1, 1, 4, 4 per round, so the window moves
// from 1 s by 1/1024 of each difference: about 1.25 s at the end. The final comparison (prior
// mean 5 s, as in the previous test):
//   conv 500, category 1: S(1) - S(2.25) = 2 (e^-0.2 - e^-0.45) / 22 = 0.0165, s = 0.0146;
//   conv 600, category 2: S(0.5) - S(1.75) = e^-0.1 - e^-0.35 = 0.2001, s = 0.0087.
// Without the remembered conversations category 1 would have P = 1/24 and no gaps, and conv 500
// (the older) would score lowest.
TEST(ConversationAwareTest, LearningSurvivesEvictionOfAWholeConversation) {
  Harness h(2);
  Keys used;
  for (int i = 0; i < 20; ++i) {
    const double t = 10.0 * i;
    const uint64_t a = 1000 + 10 * i;
    const uint64_t b = 5000 + 10 * i;
    h.Run({100 + i, 1, t, {a, a + 1}});
    EXPECT_EQ(h.Run({200 + i, 2, t + 1, {b, b + 1}}), (Keys{a + 1, a}));
    EXPECT_EQ(h.Run({100 + i, 3, t + 5, {a, a + 1, a + 2}}).size(), 3u);
    used.insert(used.end(), {a, a + 1, a + 2, b, b + 1});
  }
  for (uint64_t k : used) h.cache().Erase(k);
  ASSERT_EQ(h.cache().size(), 0u);

  EXPECT_EQ(h.Run({500, 1, 300.0, {1}}), Keys{});
  EXPECT_EQ(h.Run({600, 2, 300.5, {2}}), Keys{});
  EXPECT_EQ(h.Run({700, 1, 301.0, {3}}), Keys{2});
}

// Conv 3's category has never been followed (P = 1/7 after 5 turns, S(0) = 1: s = 0.14) while
// conv 1's was (P = 1/2, one gap of 0.5 s: S(0.5) = (0.47 + 2e^-1)/3 = 0.40, s = 0.29): no window
// yet, so these are posteriors. Conv 3 scores lower even while it is being served, but its blocks
// still go only after conv 1's.
TEST(ConversationAwareTest, RequestBeingServedIsProtectedEvenWhenItScoresLowest) {
  Harness h(3);
  for (int i = 0; i < 4; ++i) h.Run({10 + i, 2, 0.0, {100 + static_cast<uint64_t>(i)}});
  for (int i = 0; i < 4; ++i) h.cache().Erase(100 + i);
  h.Run({1, 1, 0.0, {1}});
  h.Run({1, 1, 0.5, {1}});
  EXPECT_EQ(h.Run({3, 2, 1.0, {20, 21, 22, 23}}), (Keys{1, 22}));
}

// The first shared block of the served request is evicted (everything else is pinned or its
// own), then the request touches another conversation's block, which joins the shared pool.
// Conv 5's insert has one candidate (5, idle 1 s: the window). Conv 6's first insert compares
// conv 5 (P = 1/8, prior mean 60 s: s = 0.125*(e^-1/60 - e^-2/60)/0.998 = 0.002) with the shared
// 7 (P = 2/5, one gap of 2 s: S(2) = (0.96 + 2e^-1)/3 = 0.57, S(3) = 2e^-1.5/3 = 0.15, s = 0.20).
TEST(ConversationAwareTest, SharedSegmentSurvivesEvictingItsHead) {
  Harness h(2);
  h.Run({1, 0, 0.0, {1}});
  h.Run({2, 0, 1.0, {1}});  // 1 is shared
  h.Run({4, 0, 2.0, {7}});
  ASSERT_TRUE(h.cache().Pin(7));
  EXPECT_EQ(h.Run({3, 0, 3.0, {1, 5, 7}}), Keys{1});  // 7 becomes shared (and stays pinned)
  EXPECT_EQ(h.Run({5, 0, 4.0, {9}}), Keys{5});
  h.cache().Unpin(7);
  EXPECT_EQ(h.Run({6, 0, 5.0, {11}}), Keys{9});
  EXPECT_EQ(h.Run({6, 0, 6.0, {11, 12}}), Keys{7});
}

// Category 1 conversations always return, but after 100 s; category 2 ones return half the time,
// after 2 s (global mean gap 1010/15 = 67.3 s, the prior's). Training evicts nothing. Then:
//   1st eviction (no window: posteriors): conv 900 (fresh category 5, P = 1/3, idle 3 s:
//     s = 0.32) loses to conv 901 (category 2, P = 6/13, s = 0.46) and conv 902 (category 1,
//     P = 11/13, s = 0.85); the window becomes 3 s.
//   2nd, next request (a request scores with the window it started with): the chance of a turn
//     within 3 s: conv 901 (idle 1 s): S(1) = (5 + 2e^-1/67.3)/7 = 0.996, S(4) = 2e^-4/67.3 / 7 =
//     0.269, s = 0.4615*0.727/0.998 = 0.34; conv 902 (idle 0.5 s): S(0.5) - S(3.5) =
//     2 (e^-0.5/67.3 - e^-3.5/67.3) / 12 = 0.0072, s = 0.006; conv 903 (category 6, P = 1/3,
//     idle 0): 1 - e^-3/67.3 = 0.044, s = 0.015. The posterior would keep conv 902 (0.85 > 0.46);
//     within the window only conv 901 is likely back.
TEST(ConversationAwareTest, ShortWindowPrefersConversationsThatReturnSoon) {
  Harness h(3);
  for (int i = 0; i < 10; ++i) {
    const double base = 300.0 * i;
    const uint64_t slow = 1000 + 10 * i;
    const uint64_t fast = 5000 + 10 * i;
    EXPECT_EQ(h.Run({100 + i, 1, base, {slow}}), Keys{});
    EXPECT_EQ(h.Run({200 + i, 2, base + 1, {fast}}), Keys{});
    if (i % 2 == 0) EXPECT_EQ(h.Run({200 + i, 3, base + 3, {fast, fast + 1}}), Keys{});
    for (uint64_t k : {fast, fast + 1}) h.cache().Erase(k);
    EXPECT_EQ(h.Run({100 + i, 4, base + 100, {slow, slow + 1}}), Keys{});
    for (uint64_t k : {slow, slow + 1}) h.cache().Erase(k);
  }
  ASSERT_EQ(h.cache().size(), 0u);
  const double t = 5000;
  EXPECT_EQ(h.Run({900, 5, t, {1}}), Keys{});
  EXPECT_EQ(h.Run({901, 2, t + 2, {2}}), Keys{});
  EXPECT_EQ(h.Run({902, 1, t + 2.5, {3}}), Keys{});
  EXPECT_EQ(h.Run({903, 6, t + 3, {4}}), Keys{1});
  EXPECT_EQ(h.Run({904, 6, t + 3, {5}}), Keys{3});
}

// Key 1 is a system prompt block used by conv 1..4; conv 5 does not use it. While conv 4 is
// served, key 1 is in its request and not a candidate: conv 1 loses 11 (idle 3 s, which becomes
// the window). Then all conversations are single-turn in category 0 (P0 = 1/7, no gaps: prior
// mean 60 s, S(t) - S(t+3) ~ 0.047, s ~ 0.0068), while the shared pool has seen 3 intervals, 2
// followed after 1 s (P = 3/5, prior mean 1 s): S(1) = (2*0.714 + 2e^-1)/4 = 0.54,
// S(4) = 2e^-4/4 = 0.009, s = 0.6*0.532/(0.4 + 0.6*0.54) = 0.44. Under LRU, key 1 (touched at t=3
// before 41) would go before 41.
TEST(ConversationAwareTest, SharedSystemPromptBlockSurvives) {
  Harness h(4);
  EXPECT_EQ(h.Run({1, 0, 0.0, {1, 11}}), Keys{});
  EXPECT_EQ(h.Run({2, 0, 1.0, {1, 21}}), Keys{});
  EXPECT_EQ(h.Run({3, 0, 2.0, {1, 31}}), Keys{});
  EXPECT_EQ(h.Run({4, 0, 3.0, {1, 41}}), Keys{11});
  EXPECT_EQ(h.Run({5, 0, 4.0, {51, 52, 53}}), (Keys{21, 31, 41}));
  EXPECT_TRUE(h.cache().Contains(1));
}

// No conversation ids: request B re-uses request A's blocks 1 and 2, which makes them shared
// (deepest first in the pool: 2 before 1) and credits A's category with a follow-up after 5 s;
// A's untouched block 3 becomes stale and goes first. Then D's insert compares B (idle 2 s,
// P = 2/6, S = (1 + 2 e^-0.4)/3 = 0.78, s = 0.28) with the shared pool (2 intervals, none
// followed: P = 1/4, S = e^-0.4 = 0.67, s = 0.18): the pool loses its deepest block, 2.
TEST(ConversationAwareTest, WithoutConversationIdsReusedBlocksAreSharedDeepestFirst) {
  Harness h(5);
  EXPECT_EQ(h.Run({-1, 0, 0.0, {1, 2, 3}}), Keys{});
  EXPECT_EQ(h.Run({-1, 0, 5.0, {1, 2, 4, 5}}), Keys{});
  EXPECT_EQ(h.Run({-1, 0, 6.0, {7}}), Keys{3});
  EXPECT_EQ(h.Run({-1, 0, 7.0, {8}}), Keys{2});
  EXPECT_TRUE(h.cache().Contains(1));
}

// The request being served is evicted from only when nothing else is left, deepest first.
TEST(ConversationAwareTest, RequestBeingServedIsTheLastChoice) {
  Harness h(3);
  EXPECT_EQ(h.Run({1, 0, 0.0, {1}}), Keys{});
  EXPECT_EQ(h.Run({2, 0, 1.0, {10, 11, 12}}), Keys{1});
  EXPECT_EQ(h.Run({3, 0, 2.0, {20, 21, 22, 23}}), (Keys{12, 11, 10, 22}));
}

// A pinned top block protects its conversation: the next conversation of the category goes.
TEST(ConversationAwareTest, PinnedTopSkipsToTheNextConversation) {
  Harness h(4);
  h.Run({1, 0, 0.0, {1, 2, 3}});
  h.Run({9, 0, 1.0, {20}});
  ASSERT_TRUE(h.cache().Pin(3));
  EXPECT_EQ(h.Run({2, 0, 2.0, {10}}), Keys{20});
  EXPECT_EQ(h.Run({3, 0, 3.0, {30}}), Keys{10});
  EXPECT_TRUE(h.cache().Contains(3));
}

// When only a pinned top is left, the pin forces a cut below it.
TEST(ConversationAwareTest, PinsForceCuttingAChain) {
  Harness h(3);
  h.Run({1, 0, 0.0, {1, 2, 3}});
  ASSERT_TRUE(h.cache().Pin(3));
  EXPECT_EQ(h.Run({2, 0, 1.0, {10}}), Keys{2});
  EXPECT_TRUE(h.cache().Contains(3));
}

TEST(ConversationAwareTest, AllPinnedGivesNoVictim) {
  Harness h(2);
  h.Run({1, 0, 0.0, {1, 2}});
  ASSERT_TRUE(h.cache().Pin(1));
  ASSERT_TRUE(h.cache().Pin(2));
  EXPECT_EQ(h.Run({2, 0, 1.0, {10}}), Keys{});
  EXPECT_FALSE(h.cache().Contains(10));
  EXPECT_EQ(h.cache().stats().failed_inserts, 1u);
  EXPECT_EQ(h.cache().policy().Victim(), kNoSlot);
  h.cache().Unpin(2);
  EXPECT_EQ(h.Run({2, 0, 2.0, {10}}), Keys{2});
}

// Block traces carry no request structure (every access is block 0 of a one-block request):
// the policy still works, as a two-queue scheme (once-used vs re-used blocks).
TEST(ConversationAwareTest, BlockTraceWithoutRequests) {
  BlockCache cache(3, MakeConversationAwarePolicy(PolicyParams{3}));
  uint64_t hits = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    AccessContext ctx;
    ctx.time_s = static_cast<double>(i);
    ctx.access_index = i;
    hits += cache.Access(i % 5, ctx);
    EXPECT_LE(cache.size(), 3u);
  }
  EXPECT_EQ(hits + cache.stats().misses, 1000u);
}

// --- Properties ---------------------------------------------------------------------------------

// A model of what the cache holds and who touched what, to check the policy through BlockCache.
class ModelRun {
 public:
  ModelRun(uint64_t capacity, bool with_ids)
      : capacity_(capacity),
        with_ids_(with_ids),
        cache_(capacity, MakeConversationAwarePolicy(PolicyParams{capacity})) {
    cache_.set_record_evictions(true);
  }

  // One request of conversation `conv`: optionally the 2-block system prompt, the conversation's
  // history, `new_blocks` new full blocks (appended to the history) and a partial last block
  // that no later request re-uses.
  void Request(int64_t conv, uint32_t category, bool system, int new_blocks, bool check_chains) {
    time_s_ += 0.5;
    std::vector<uint64_t> keys;
    if (system) keys = {kSystem, kSystem + 1};
    auto& history = history_[conv];
    for (int i = 0; i < new_blocks; ++i) {
      history.push_back(static_cast<uint64_t>(conv + 1) * 100000 + history.size());
    }
    keys.insert(keys.end(), history.begin(), history.end());
    keys.push_back(next_partial_++);

    const uint64_t request = ++request_seq_;
    latest_request_[conv] = request;
    latest_chain_[conv].clear();
    for (uint32_t i = 0; i < keys.size(); ++i) {
      AccessContext ctx;
      ctx.time_s = time_s_;
      ctx.access_index = access_index_++;
      ctx.conversation_id = with_ids_ ? conv : -1;
      ctx.category = category;
      ctx.block_index = i;
      ctx.blocks_in_request = static_cast<uint32_t>(keys.size());
      const uint64_t key = keys[i];
      const uint64_t failed_before = cache_.stats().failed_inserts;
      const bool hit = cache_.Access(key, ctx);
      RC_ASSERT(hit == (cached_.count(key) != 0));
      if (cache_.stats().failed_inserts != failed_before) {
        // Only when every cached block is pinned.
        for (uint64_t k : cached_) RC_ASSERT(pins_[k] > 0);
      }
      for (uint64_t victim : cache_.TakeEvicted()) {
        RC_ASSERT(cached_.count(victim) == 1u);  // never a block that is gone (erased, evicted)
        RC_ASSERT(pins_[victim] == 0);
        if (check_chains) CheckTailFirst(victim);
        Drop(victim);
      }
      if (cache_.Contains(key)) {
        if (!hit) {
          cached_.insert(key);
          accessors_[key].clear();
        }
        accessors_[key].insert(conv);
        last_touch_[key] = request;
      }
      latest_chain_[conv].push_back(key);
      RC_ASSERT(cache_.size() == cached_.size());
      RC_ASSERT(cache_.size() <= capacity_);
    }
    cache_.EndRequest();
  }

  void Erase(uint64_t key) {
    const bool erased = cache_.Erase(key);
    RC_ASSERT(erased == (cached_.count(key) == 1 && pins_[key] == 0));
    if (erased) Drop(key);
  }
  void Pin(uint64_t key) {
    if (cache_.Pin(key)) ++pins_[key];
  }
  void Unpin(uint64_t key) {
    if (pins_[key] > 0 && cached_.count(key)) {
      cache_.Unpin(key);
      --pins_[key];
    }
  }

  // Some key seen so far (cached or not), chosen by `pick`.
  uint64_t SomeKey(size_t pick) const {
    std::vector<uint64_t> keys(cached_.begin(), cached_.end());
    if (keys.empty()) return kSystem;
    std::sort(keys.begin(), keys.end());
    return keys[pick % keys.size()];
  }

 private:
  static constexpr uint64_t kSystem = 1;

  void Drop(uint64_t key) {
    cached_.erase(key);
    accessors_.erase(key);
    last_touch_.erase(key);
    pins_.erase(key);
  }

  // A block only this conversation touched since it was inserted, touched by its latest request.
  bool Exclusive(uint64_t key, int64_t conv) const {
    auto a = accessors_.find(key);
    auto t = last_touch_.find(key);
    return cached_.count(key) && a != accessors_.end() && a->second.size() == 1 &&
           *a->second.begin() == conv && t != last_touch_.end() &&
           t->second == latest_request_.at(conv);
  }

  // Evicting a block of a conversation's latest request while a deeper one of the same request
  // (still the conversation's own) is cached would strand the deeper one.
  void CheckTailFirst(uint64_t victim) {
    for (const auto& [conv, chain] : latest_chain_) {
      if (!Exclusive(victim, conv)) continue;
      bool below = false;
      for (uint64_t key : chain) {
        if (key == victim) {
          below = true;
        } else if (below) {
          RC_ASSERT(!Exclusive(key, conv));
        }
      }
    }
  }

  uint64_t capacity_;
  bool with_ids_;
  BlockCache cache_;
  double time_s_ = 0;
  uint64_t access_index_ = 0;
  uint64_t request_seq_ = 0;
  uint64_t next_partial_ = 1ULL << 40;
  std::map<int64_t, std::vector<uint64_t>> history_;
  std::map<int64_t, std::vector<uint64_t>> latest_chain_;
  std::map<int64_t, uint64_t> latest_request_;
  std::unordered_set<uint64_t> cached_;
  std::unordered_map<uint64_t, std::set<int64_t>> accessors_;
  std::unordered_map<uint64_t, uint64_t> last_touch_;
  std::unordered_map<uint64_t, int> pins_;
};

void RunRandomOps(bool with_ids, bool with_pins) {
  const uint64_t capacity = *rc::gen::inRange<uint64_t>(1, 16);
  ModelRun run(capacity, with_ids);
  const int ops = *rc::gen::inRange(1, 150);
  for (int i = 0; i < ops; ++i) {
    const int kind = *rc::gen::inRange(0, 10);
    if (kind < 7) {
      const int64_t conv = *rc::gen::inRange<int64_t>(0, 6);
      const uint32_t category = *rc::gen::inRange<uint32_t>(0, 3);
      const bool system = *rc::gen::arbitrary<bool>();
      const int new_blocks = *rc::gen::inRange(0, 4);
      run.Request(conv, category, system, new_blocks, /*check_chains=*/with_ids && !with_pins);
    } else if (kind == 7) {
      run.Erase(run.SomeKey(*rc::gen::inRange<size_t>(0, 64)));
    } else if (with_pins) {
      const uint64_t key = run.SomeKey(*rc::gen::inRange<size_t>(0, 64));
      if (kind == 8) {
        run.Pin(key);
      } else {
        run.Unpin(key);
      }
    }
  }
}

TEST(ConversationAwareTest, PropertyChainsAreTrimmedTailFirst) {
  EXPECT_TRUE(rc::check("occupancy, no stale victims, tail-first trimming",
                        [] { RunRandomOps(/*with_ids=*/true, /*with_pins=*/false); }));
}

TEST(ConversationAwareTest, PropertyPinnedAndErasedAreNeverVictims) {
  EXPECT_TRUE(rc::check("pinned and erased blocks are never victims",
                        [] { RunRandomOps(/*with_ids=*/true, /*with_pins=*/true); }));
}

TEST(ConversationAwareTest, PropertyWithoutConversationIds) {
  EXPECT_TRUE(rc::check("without conversation ids",
                        [] { RunRandomOps(/*with_ids=*/false, /*with_pins=*/true); }));
}

}  // namespace
}  // namespace kvb
