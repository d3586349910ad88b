// conversation-aware: keeps the blocks of multi-turn conversations whose owners are likely to send
// another turn, and trims everything chain-tail first. Inspired by the workload-aware policy of
// "KVCache Cache in the Wild" (ATC'25, Alibaba; vLLM PR #22236), which learns a reuse probability
// and reuse-time distribution per request category (type, turn) and evicts what is least likely
// to be reused. Design, estimator and limits: docs/policies.md, section "conversation-aware".
//
// Where a block lives (every cached slot is in exactly one list):
//  - its conversation's 'current' stack: blocks touched by that conversation's latest request,
//    bottom = shallowest, top = deepest; evicted top first, so a chain is never cut in the middle;
//  - the global 'stale' list: blocks of a conversation that its latest request did not touch (the
//    old partial last block, or history the client dropped). Such a block is only hit again if
//    the client re-sends an old prompt, so stale blocks are evicted before anything else;
//  - the 'shared' pool: blocks touched by two or more conversations (system prompts, common
//    documents), LRU with a learned reuse model of its own; one request's blocks sit in it
//    deepest-first (as vLLM frees them), so LRU never drops a shared chain's root first.
// A conversation's current-vs-stale membership is an epoch comparison, so the splice at the start
// of a new turn is O(1). Without conversation ids (AccessContext::conversation_id == -1) every
// request is its own conversation, and a later request re-using its blocks is its follow-up.
//
// Learning (per interned category, online): n_c requests, m_c of them followed by another turn
// of the same conversation, a log-binned histogram of the follow-up gaps. P_c = (m_c+1)/(n_c+2),
// S_c(t) = share of gaps > t, shrunk toward an exponential with the global mean gap. A
// conversation silent for t scores the probability that its next turn comes within the window w
// that the cache can still hold it: s = P (S(t) - S(t+w)) / (1 - P + P S(t)), where w follows
// the idle time of recent victims (before the first eviction w is infinite: the posterior
// probability of ever another turn). Victim() compares each category's least recently active
// conversation (its top block) and the shared pool's LRU block only: O(categories) when those
// are unpinned. For w = infinity s falls with t, so the head is the category's minimum; for a
// finite w it need not be (docs: measured, evaluating more candidates did not help).
#include <algorithm>
#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>
#include <vector>

#include "simulation/policy_registry.h"

namespace kvb {
namespace {

constexpr uint32_t kNil = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kSharedOwner = kNil - 1;  // owner_ of a slot in the shared pool
constexpr uint32_t kFreeOwner = kNil;        // owner_ of a slot that is not cached

// Follow-up gap histogram: log-spaced bins over [kMinGapS, kMaxGapS]; gaps outside land in the
// first/last bin.
constexpr int kGapBins = 64;
constexpr double kMinGapS = 0.01;
constexpr double kMaxGapS = 1e5;
// Weight (in samples) of the exponential prior on the gap distribution.
constexpr double kPriorWeight = 2.0;
// Prior mean gap before any follow-up has been seen.
constexpr double kDefaultMeanGapS = 60.0;
// Weight of one scored eviction in the moving average of the victims' idle time (the window).
constexpr double kWindowGain = 1.0 / 1024;
// Conversations with no cached block are remembered (for learning: their next turn must be
// credited to the category of their last one) up to this many, oldest forgotten first.
constexpr size_t kMaxGhostConversations = size_t{1} << 18;

// Reuse statistics of one category: turns, follow-ups and the follow-up gap histogram.
class ReuseStats {
 public:
  void AddTurn() { ++turns_; }
  void AddFollowUp(double gap_s) {
    gap_s = std::max(gap_s, 0.0);
    ++follow_ups_;
    ++bins_[Bin(gap_s)];
    ++gaps_;
    gap_sum_s_ += gap_s;
    dirty_ = true;
  }

  uint64_t gaps() const { return gaps_; }
  double MeanGap() const { return gaps_ == 0 ? 0.0 : gap_sum_s_ / static_cast<double>(gaps_); }

  // Laplace-smoothed probability that a turn is followed by another.
  double P() const {
    return (static_cast<double>(follow_ups_) + 1.0) / (static_cast<double>(turns_) + 2.0);
  }

  // P(gap > t): the empirical tail (log-uniform inside a bin) mixed with kPriorWeight samples of
  // an exponential of mean prior_mean_s.
  double Survival(double t, double prior_mean_s) const {
    const double prior = std::exp(-t / prior_mean_s);
    if (gaps_ == 0) return prior;
    if (dirty_) RebuildSuffix();
    double above;
    if (t < kMinGapS) {
      above = static_cast<double>(gaps_);
    } else if (t >= kMaxGapS) {
      above = 0;
    } else {
      const double x = std::log(t / kMinGapS) / kLogStep;
      const int bin = std::min(static_cast<int>(x), kGapBins - 1);
      const double frac_above = std::clamp(static_cast<double>(bin + 1) - x, 0.0, 1.0);
      above = static_cast<double>(suffix_[bin + 1]) + static_cast<double>(bins_[bin]) * frac_above;
    }
    return (above + kPriorWeight * prior) / (static_cast<double>(gaps_) + kPriorWeight);
  }

  // Probability of another turn within the next window_s seconds, given t seconds of silence:
  // P (S(t) - S(t + w)) / (1 - P + P S(t)). With no window yet (no eviction so far), the
  // probability of ever another turn: P S(t) / (1 - P + P S(t)).
  double Score(double t, double window_s, double prior_mean_s) const {
    t = std::max(t, 0.0);
    const double p = P();
    const double s = Survival(t, prior_mean_s);
    const double later = window_s > 0 ? Survival(t + window_s, prior_mean_s) : 0.0;
    return p * (s - later) / (1.0 - p + p * s);
  }

 private:
  static inline const double kLogStep = std::log(kMaxGapS / kMinGapS) / kGapBins;

  static int Bin(double gap_s) {
    if (gap_s < kMinGapS) return 0;
    return std::min(static_cast<int>(std::log(gap_s / kMinGapS) / kLogStep), kGapBins - 1);
  }
  void RebuildSuffix() const {
    suffix_[kGapBins] = 0;
    for (int b = kGapBins - 1; b >= 0; --b) suffix_[b] = suffix_[b + 1] + bins_[b];
    dirty_ = false;
  }

  uint64_t turns_ = 0;
  uint64_t follow_ups_ = 0;
  uint64_t gaps_ = 0;
  double gap_sum_s_ = 0;
  std::array<uint64_t, kGapBins> bins_{};
  mutable std::array<uint64_t, kGapBins + 1> suffix_{};
  mutable bool dirty_ = false;
};

struct Ends {
  uint32_t head = kNil;  // bottom of a stack / LRU end of a queue
  uint32_t tail = kNil;  // top of a stack / MRU end of a queue
  bool empty() const { return head == kNil; }
};

struct Conversation {
  int64_t id = 0;
  double last_request_s = 0;  // arrival of its latest request
  uint32_t category = 0;      // dense category of its latest request
  uint32_t epoch = 0;         // epoch of its latest request; its current blocks carry it
  Ends current;               // blocks its latest request touched, bottom..top
  uint32_t cat_prev = kNil;   // links in its category's LRU list (only while current is
  uint32_t cat_next = kNil;   // non-empty)
  uint32_t blocks = 0;        // cached blocks it owns (current + stale)
  uint32_t ghost_stamp = 0;   // != 0: no cached block, kept for learning only
  bool in_category_list = false;
  bool started = false;    // has had a request (the next one is a follow-up)
  bool synthetic = false;  // conversation_id was -1: one request, not in the id map
  bool followed = false;   // synthetic: a later request reused its blocks
  bool alive = false;      // the record is in use
};

struct Category {
  uint32_t external_id = 0;
  ReuseStats stats;
  Ends conversations;  // LRU (head) .. MRU (tail) by last_request_s
  // Score of the conversation `scored` at generation `scored_generation` (a request evicts many
  // blocks, mostly from the same head: the score only changes with the head or a generation).
  uint32_t scored = kNil;
  uint64_t scored_generation = 0;
  double score = 0;
};

class ConversationAwarePolicy final : public EvictionPolicy {
 public:
  void OnHit(Slot slot, const AccessContext& ctx) override {
    BeginAccess(ctx);
    const uint32_t owner = owner_[slot];
    Conversation& me = convs_[active_];
    if (owner == kSharedOwner) {
      if (epoch_[slot] != me.epoch) {
        // A new request re-uses the block: the previous interval was followed.
        shared_stats_.AddFollowUp(now_ - time_[slot]);
        shared_stats_.AddTurn();
      }
      Unlink(slot);
      InsertShared(slot);
    } else if (owner == active_) {
      Unlink(slot);
      PushCurrent(active_, slot);
    } else {
      MakeShared(slot, owner);
    }
    epoch_[slot] = convs_[active_].epoch;
    time_[slot] = now_;
  }

  void OnMiss(uint64_t, const AccessContext& ctx) override { BeginAccess(ctx); }

  void OnInsert(Slot slot, uint64_t, const AccessContext& ctx) override {
    if (active_ == kNil || ctx.time_s != now_) BeginAccess(ctx);  // driven without OnMiss
    if (slot >= owner_.size()) {
      const size_t n = static_cast<size_t>(slot) + 1;
      owner_.resize(n, kFreeOwner);
      prev_.resize(n, kNil);
      next_.resize(n, kNil);
      epoch_.resize(n, 0);
      time_.resize(n, 0);
    }
    owner_[slot] = active_;
    ++convs_[active_].blocks;
    time_[slot] = now_;
    PushCurrent(active_, slot);
  }

  void OnErase(Slot slot) override { Remove(slot); }

  void OnRequestEnd() override {
    in_request_ = false;
    shared_segment_ = kNil;
    const uint32_t was = active_;
    active_ = kNil;
    if (was != kNil) Release(was);
  }

  Slot Victim() override {
    // 1. Stale blocks: not part of any conversation's latest prompt.
    for (Slot s = stale_.head; s != kNil; s = next_[s]) {
      if (!Pinned(s)) return Evict(s);
    }
    // The request being served is the last choice (vLLM holds its blocks until it finishes).
    const uint32_t serving = in_request_ ? active_ : kNil;
    const uint32_t serving_epoch = serving == kNil ? 0 : convs_[serving].epoch;

    // 2. The lowest score among each category's least recently active conversation (its top
    // block) and the shared pool's least recently used block. Ties: the older.
    Slot best = kNil;
    double best_score = std::numeric_limits<double>::infinity();
    double best_time = std::numeric_limits<double>::infinity();
    auto consider = [&](Slot s, double score, double last_s) {
      if (score < best_score || (score == best_score && last_s < best_time)) {
        best = s;
        best_score = score;
        best_time = last_s;
      }
    };
    const double conv_prior = ConversationPriorMean();
    for (Category& cat : categories_) {
      for (uint32_t ci = cat.conversations.head; ci != kNil; ci = convs_[ci].cat_next) {
        const Conversation& c = convs_[ci];
        // A pinned top means a running request holds the chain: cutting below it would orphan
        // it, so look at the next conversation instead.
        if (ci == serving || Pinned(c.current.tail)) continue;
        if (cat.scored != ci || cat.scored_generation != generation_) {
          cat.scored = ci;
          cat.scored_generation = generation_;
          cat.score = cat.stats.Score(now_ - c.last_request_s, request_window_s_, conv_prior);
        }
        consider(c.current.tail, cat.score, c.last_request_s);
        break;
      }
    }
    for (Slot s = shared_.head; s != kNil; s = next_[s]) {
      // Blocks the serving request touched sit together at the MRU end.
      if (serving != kNil && epoch_[s] == serving_epoch) break;
      if (Pinned(s)) continue;
      consider(s, shared_stats_.Score(now_ - time_[s], request_window_s_, SharedPriorMean()),
               time_[s]);
      break;
    }
    if (best != kNil) {
      // The horizon that matters is how long the cache keeps what it does not evict: follow
      // the idle time of the victims chosen by score.
      const double idle_s = std::max(now_ - best_time, 0.0);
      window_s_ =
          scored_evictions_++ == 0 ? idle_s : window_s_ + kWindowGain * (idle_s - window_s_);
      return Evict(best);
    }

    // 3. Only the serving request's blocks are left: its deepest own block, then its shared ones
    // (deepest first by construction).
    if (serving != kNil) {
      const Slot top = convs_[serving].current.tail;
      if (top != kNil && !Pinned(top)) return Evict(top);
    }
    for (Slot s = shared_.head; s != kNil; s = next_[s]) {
      if (!Pinned(s)) return Evict(s);
    }
    // 4. Pins force cutting a chain: the deepest unpinned block of any conversation. A slow scan,
    // reached only when every cheaper candidate is pinned.
    for (uint32_t ci = 0; ci < convs_.size(); ++ci) {
      for (Slot s = convs_[ci].current.tail; s != kNil; s = prev_[s]) {
        if (!Pinned(s)) return Evict(s);
      }
    }
    return kNoSlot;
  }

 private:
  // --- Conversations and requests -------------------------------------------------------------

  // Resolves the conversation of the access and starts a new request at block_index 0.
  void BeginAccess(const AccessContext& ctx) {
    if (ctx.time_s != now_) ++generation_;  // cached scores were for another time
    now_ = ctx.time_s;
    const bool first_block = ctx.block_index == 0;
    if (ctx.conversation_id >= 0) {
      if (first_block || active_ == kNil || convs_[active_].synthetic ||
          convs_[active_].id != ctx.conversation_id) {
        const uint32_t ci = FindOrCreate(ctx.conversation_id);
        SetActive(ci);
        if (first_block || !convs_[ci].started) StartRequest(ci, ctx.category);
      }
    } else if (first_block || active_ == kNil || !convs_[active_].synthetic) {
      // No conversation id: every request is its own (synthetic) conversation.
      const uint32_t ci = Create(next_synthetic_id_--, /*synthetic=*/true);
      SetActive(ci);
      StartRequest(ci, ctx.category);
    }
    in_request_ = true;
  }

  void StartRequest(uint32_t ci, uint32_t external_category) {
    const uint32_t cat = InternCategory(external_category);
    Conversation& c = convs_[ci];
    if (c.started) {
      // The previous turn was followed by this one.
      categories_[c.category].stats.AddFollowUp(now_ - c.last_request_s);
      global_gaps_ += 1;
      global_gap_sum_s_ += std::max(now_ - c.last_request_s, 0.0);
    }
    categories_[cat].stats.AddTurn();
    // Scores are computed at one time and window per request (and with current statistics).
    request_window_s_ = window_s_;
    ++generation_;
    RetireCurrent(ci);  // the previous request's blocks become stale until touched again
    c.category = cat;
    c.last_request_s = now_;
    c.started = true;
    shared_segment_ = kNil;
  }

  void SetActive(uint32_t ci) {
    if (active_ == ci) return;
    const uint32_t was = active_;
    active_ = ci;
    shared_segment_ = kNil;
    Resurrect(ci);
    if (was != kNil) Release(was);
  }

  uint32_t FindOrCreate(int64_t id) {
    if (auto it = index_.find(id); it != index_.end()) return it->second;
    return Create(id, /*synthetic=*/false);
  }

  uint32_t Create(int64_t id, bool synthetic) {
    uint32_t ci;
    if (!free_convs_.empty()) {
      ci = free_convs_.back();
      free_convs_.pop_back();
    } else {
      ci = static_cast<uint32_t>(convs_.size());
      convs_.emplace_back();
    }
    ++generation_;  // the index may have been scored as another conversation
    Conversation& c = convs_[ci];
    c = Conversation{};
    c.id = id;
    c.synthetic = synthetic;
    c.alive = true;
    if (!synthetic) index_.emplace(id, ci);
    return ci;
  }

  // Called when a conversation may have lost its last block or stopped being active.
  void Release(uint32_t ci) {
    Conversation& c = convs_[ci];
    if (ci == active_ || c.blocks > 0 || !c.alive || c.ghost_stamp != 0) return;
    if (c.synthetic) {
      Free(ci);  // nobody can name it again
    } else {
      MakeGhost(ci);
    }
  }

  void Free(uint32_t ci) {
    Conversation& c = convs_[ci];
    if (!c.synthetic) index_.erase(c.id);
    c = Conversation{};
    free_convs_.push_back(ci);
  }

  void MakeGhost(uint32_t ci) {
    if (++ghost_seq_ == 0) ghost_seq_ = 1;
    convs_[ci].ghost_stamp = ghost_seq_;
    ghosts_.emplace_back(ci, ghost_seq_);
    ++ghost_count_;
    while (!ghosts_.empty() &&
           (ghost_count_ > kMaxGhostConversations || !IsGhostEntry(ghosts_.front()))) {
      const auto [gi, stamp] = ghosts_.front();
      ghosts_.pop_front();
      if (convs_[gi].ghost_stamp == stamp) {
        --ghost_count_;
        Free(gi);
      }
    }
    // Entries of resurrected conversations linger in the middle; compact now and then.
    if (ghosts_.size() > 2 * ghost_count_ + 1024) {
      std::deque<std::pair<uint32_t, uint32_t>> kept;
      for (const auto& g : ghosts_) {
        if (IsGhostEntry(g)) kept.push_back(g);
      }
      ghosts_.swap(kept);
    }
  }

  bool IsGhostEntry(const std::pair<uint32_t, uint32_t>& g) const {
    return convs_[g.first].ghost_stamp == g.second;
  }

  void Resurrect(uint32_t ci) {
    if (convs_[ci].ghost_stamp != 0) {
      convs_[ci].ghost_stamp = 0;
      --ghost_count_;
    }
  }

  uint32_t InternCategory(uint32_t external) {
    if (last_external_category_ == external && last_dense_category_ != kNil) {
      return last_dense_category_;
    }
    uint32_t dense;
    if (auto it = category_index_.find(external); it != category_index_.end()) {
      dense = it->second;
    } else {
      dense = static_cast<uint32_t>(categories_.size());
      categories_.emplace_back();
      categories_.back().external_id = external;
      category_index_.emplace(external, dense);
    }
    last_external_category_ = external;
    last_dense_category_ = dense;
    return dense;
  }

  double ConversationPriorMean() const {
    return global_gaps_ == 0 ? kDefaultMeanGapS : global_gap_sum_s_ / global_gaps_;
  }
  double SharedPriorMean() const {
    return shared_stats_.gaps() > 0 ? shared_stats_.MeanGap() : ConversationPriorMean();
  }

  // --- Lists ----------------------------------------------------------------------------------

  // The list that holds cached slot s.
  Ends& ListOf(Slot s) {
    const uint32_t owner = owner_[s];
    if (owner == kSharedOwner) return shared_;
    Conversation& c = convs_[owner];
    return epoch_[s] == c.epoch ? c.current : stale_;
  }

  void Unlink(Slot s) {
    Ends& list = ListOf(s);
    const uint32_t p = prev_[s];
    const uint32_t n = next_[s];
    if (p != kNil) {
      next_[p] = n;
    } else {
      list.head = n;
    }
    if (n != kNil) {
      prev_[n] = p;
    } else {
      list.tail = p;
    }
    prev_[s] = next_[s] = kNil;
    if (s == shared_segment_) shared_segment_ = n;
    const uint32_t owner = owner_[s];
    if (owner != kSharedOwner && list.empty() && &list == &convs_[owner].current) {
      CategoryUnlink(owner);
    }
  }

  static void LinkAfterTail(Ends& list, Slot s, std::vector<uint32_t>& prev,
                            std::vector<uint32_t>& next) {
    prev[s] = list.tail;
    next[s] = kNil;
    if (list.tail != kNil) {
      next[list.tail] = s;
    } else {
      list.head = s;
    }
    list.tail = s;
  }

  void PushCurrent(uint32_t ci, Slot s) {
    Conversation& c = convs_[ci];
    epoch_[s] = c.epoch;
    LinkAfterTail(c.current, s, prev_, next_);
    if (!c.in_category_list) CategoryLinkMru(ci);
  }

  // Shared blocks the current request touches form a segment at the MRU end, deepest first
  // (nearest the LRU end), so LRU evicts a shared chain from its tail.
  void InsertShared(Slot s) {
    owner_[s] = kSharedOwner;
    if (shared_segment_ == kNil) {
      LinkAfterTail(shared_, s, prev_, next_);
    } else {
      const uint32_t after = shared_segment_;
      const uint32_t before = prev_[after];
      prev_[s] = before;
      next_[s] = after;
      prev_[after] = s;
      if (before != kNil) {
        next_[before] = s;
      } else {
        shared_.head = s;
      }
    }
    shared_segment_ = s;
  }

  // A block of conversation `owner` touched by the active request of another conversation.
  void MakeShared(Slot s, uint32_t owner) {
    Conversation& x = convs_[owner];
    if (x.synthetic && !x.followed) {
      // Without conversation ids, a later request re-using a request's own blocks is how a
      // follow-up turn shows. The rest of the old request (its partial last block) is stale.
      x.followed = true;
      ++generation_;
      categories_[x.category].stats.AddFollowUp(now_ - x.last_request_s);
      global_gaps_ += 1;
      global_gap_sum_s_ += std::max(now_ - x.last_request_s, 0.0);
      RetireCurrent(owner);
    }
    Unlink(s);
    --convs_[owner].blocks;
    shared_stats_.AddTurn();
    InsertShared(s);
    Release(owner);
  }

  // Moves the conversation's current blocks to the stale list in O(1) by giving it a new epoch.
  void RetireCurrent(uint32_t ci) {
    Conversation& c = convs_[ci];
    if (!c.current.empty()) {
      CategoryUnlink(ci);
      if (stale_.tail != kNil) {
        next_[stale_.tail] = c.current.head;
        prev_[c.current.head] = stale_.tail;
      } else {
        stale_.head = c.current.head;
      }
      stale_.tail = c.current.tail;
      c.current = Ends{};
    }
    c.epoch = ++epoch_counter_;
  }

  void CategoryLinkMru(uint32_t ci) {
    Conversation& c = convs_[ci];
    Ends& list = categories_[c.category].conversations;
    c.cat_prev = list.tail;
    c.cat_next = kNil;
    if (list.tail != kNil) {
      convs_[list.tail].cat_next = ci;
    } else {
      list.head = ci;
    }
    list.tail = ci;
    c.in_category_list = true;
  }

  void CategoryUnlink(uint32_t ci) {
    Conversation& c = convs_[ci];
    if (!c.in_category_list) return;
    Ends& list = categories_[c.category].conversations;
    if (c.cat_prev != kNil) {
      convs_[c.cat_prev].cat_next = c.cat_next;
    } else {
      list.head = c.cat_next;
    }
    if (c.cat_next != kNil) {
      convs_[c.cat_next].cat_prev = c.cat_prev;
    } else {
      list.tail = c.cat_prev;
    }
    c.cat_prev = c.cat_next = kNil;
    c.in_category_list = false;
  }

  // Drops cached slot s from the policy.
  void Remove(Slot s) {
    const uint32_t owner = owner_[s];
    Unlink(s);
    owner_[s] = kFreeOwner;
    if (owner != kSharedOwner) {
      --convs_[owner].blocks;
      Release(owner);
    }
  }

  Slot Evict(Slot s) {
    Remove(s);
    return s;
  }

  // Per slot: 4 + 4 + 4 + 4 + 8 = 24 bytes.
  std::vector<uint32_t> owner_;  // conversation index, kSharedOwner or kFreeOwner
  std::vector<uint32_t> prev_;
  std::vector<uint32_t> next_;
  std::vector<uint32_t> epoch_;  // epoch of the request that last touched the block
  std::vector<double> time_;     // last access (the shared pool's LRU clock)

  Ends stale_;
  Ends shared_;
  Slot shared_segment_ = kNil;  // deepest shared block the current request touched so far
  ReuseStats shared_stats_;

  std::vector<Conversation> convs_;
  std::vector<uint32_t> free_convs_;
  boost::unordered_flat_map<int64_t, uint32_t> index_;  // conversation id -> index
  std::deque<std::pair<uint32_t, uint32_t>> ghosts_;    // (index, stamp), oldest first
  size_t ghost_count_ = 0;
  uint32_t ghost_seq_ = 0;
  int64_t next_synthetic_id_ = -2;

  std::vector<Category> categories_;
  boost::unordered_flat_map<uint32_t, uint32_t> category_index_;
  uint32_t last_external_category_ = 0;
  uint32_t last_dense_category_ = kNil;
  uint64_t global_gaps_ = 0;
  double global_gap_sum_s_ = 0;

  uint32_t active_ = kNil;  // conversation of the request being served
  bool in_request_ = false;
  uint32_t epoch_counter_ = 0;
  double now_ = 0;
  double window_s_ = 0;  // EWMA of the victims' idle time; 0 until the first scored eviction
  uint64_t scored_evictions_ = 0;
  double request_window_s_ = 0;  // window_s_ when the request being served started
  uint64_t generation_ = 1;      // bumped whenever cached category scores may be stale
};

}  // namespace

std::unique_ptr<EvictionPolicy> MakeConversationAwarePolicy(const PolicyParams&) {
  return std::make_unique<ConversationAwarePolicy>();
}

}  // namespace kvb
