// The GPU KV block pool of one vLLM v1 instance, with vLLM's prefix-caching rules
// (vllm/v1/core/block_pool.py, kv_cache_manager.py, single_type_kv_cache_manager.py):
//
//  - num_gpu_blocks blocks of block_size tokens, ids 0 .. num_gpu_blocks-1. Each has a ref count
//    (number of running requests holding it) and, once it is a full computed prompt block, the
//    chained hash of its prefix.
//  - Free blocks (ref count 0) sit in a doubly linked free queue, initially in id order. A new
//    block is taken from the HEAD; if it carried a hash, that hash leaves the prefix cache (an
//    eviction). Freed blocks keep their hash, so they stay hittable until reallocated.
//  - A prefix-cache hit walks the prompt's full-block hashes and stops at the first miss; it is
//    capped at num_prompt_tokens - 1 tokens (vLLM's max_cache_hit_length), so a fully cached
//    prompt recomputes its last token; when the prompt is block-aligned that is its whole last
//    block: hit tokens <= floor((N - 1) / B) * B. Hitting a free block pulls it out of the queue.
//  - Free(request) walks the request's blocks in REVERSE order and appends those whose ref count
//    drops to 0 to the TAIL of the queue: a request's deepest block is evicted first, and across
//    requests the queue is LRU by release time.
//  - Duplicates: two running requests may compute the same block independently (the second was
//    scheduled before the first registered it). Like vLLM (BlockHashToBlockMap) both blocks keep
//    the hash; a lookup returns the oldest registered one still cached, and when it is evicted the
//    next duplicate takes over. Every evicted hashed block counts as one eviction.
//
// Differences from vLLM (docs/engine.md): no null block (all num_gpu_blocks are usable;
// vLLM reserves block 0, so its usable count and usage are off by one block), no sliding window,
// no lookahead slots, only prompt blocks are ever hashed (generated tokens have no hash in a
// trace), and prefix-cache query/hit statistics are counted once per successful Allocate (vLLM
// counts in get_computed_blocks, i.e. again each time a waiting request fails to allocate).
//
// Requests are named by a caller-chosen uint64_t id, live from Allocate to Free. Per request the
// pool keeps its block ids and two counters. Costs: O(1) per block allocated/freed, lookups
// O(blocks in prompt). Single-threaded; not copyable (the listener may capture state).
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace kvb {

struct GpuBlockPoolStats {
  // vllm:prefix_cache_queries / vllm:prefix_cache_hits (both in tokens).
  int64_t query_tokens = 0;
  int64_t hit_tokens = 0;
  int64_t lookups = 0;             // successful Allocate calls (vLLM's prefix_cache_stats.requests)
  int64_t evicted_blocks = 0;      // hashed blocks reallocated (their hash left this block)
  int64_t failed_allocations = 0;  // Allocate/AppendSlots that found too few free blocks
};

class GpuBlockPool {
 public:
  using BlockId = uint32_t;
  static constexpr BlockId kNoBlock = std::numeric_limits<BlockId>::max();

  // num_gpu_blocks > 0 and block_size > 0 (asserted: the config layer validates user input).
  GpuBlockPool(uint32_t num_gpu_blocks, uint32_t block_size = 16);
  GpuBlockPool(const GpuBlockPool&) = delete;
  GpuBlockPool& operator=(const GpuBlockPool&) = delete;

  // Number of leading full blocks of a prompt of num_prompt_tokens tokens that are cached, i.e.
  // hit tokens / block_size. Only the first floor(num_prompt_tokens / B) hashes are looked at (a
  // trailing hash of a partial block, as hash-id traces carry, is ignored), and the result is at
  // most floor((num_prompt_tokens - 1) / B). No state change, no statistics.
  int64_t LongestCachedPrefix(std::span<const uint64_t> block_hashes,
                              int64_t num_prompt_tokens) const;

  // Admits request_id (not currently allocated): touches its cached prefix blocks (as
  // LongestCachedPrefix would report them now) and takes new blocks from the free queue so that
  // it holds ceil(max(num_slots, hit_tokens) / B) blocks. num_slots is the number of token slots
  // to reserve now (e.g. hit + LMCache-loaded + first prefill chunk, or the whole prompt).
  // num_prompt_tokens: tokens the request would prefill (for a resumed preempted request, prompt
  // plus generated tokens; hashes exist only for the prompt part). block_hashes must stay the
  // same for later CacheFullBlocks calls of this request.
  // Returns the GPU hit in tokens and records query/hit statistics; returns nullopt and changes
  // nothing (except failed_allocations) when too few blocks are free: the scheduler then waits or
  // preempts. Hit blocks that were free count against the free blocks, as in vLLM.
  std::optional<int64_t> Allocate(uint64_t request_id, std::span<const uint64_t> block_hashes,
                                  int64_t num_prompt_tokens, int64_t num_slots);

  // Reserves n_new_tokens more token slots (the next prefill chunk, or one decode token: a decode
  // step writes the KV of the token sampled by the previous step). Takes a block whenever the
  // slots cross a block boundary. Returns false and changes nothing when too few blocks are free.
  bool AppendSlots(uint64_t request_id, int64_t n_new_tokens);

  // After a prefill chunk ran: num_computed_tokens of the request now have KV. Registers the
  // hashes of the request's prompt blocks that are now full and computed (block i when
  // (i + 1) * B <= min(num_computed_tokens, num_prompt_tokens), i < block_hashes.size()) and not
  // registered yet. A hash already cached by another block is kept as a duplicate (see above).
  void CacheFullBlocks(uint64_t request_id, std::span<const uint64_t> block_hashes,
                       int64_t num_computed_tokens);

  // Releases the request's blocks in reverse order (finish, abort or preemption). Unknown ids are
  // ignored. The blocks keep their hashes and stay hittable until reallocated.
  void Free(uint64_t request_id);

  // Called with the hash of every evicted block, at the moment it is reallocated. The hash may
  // still be cached by a duplicate block (ContainsHash tells).
  void set_eviction_listener(std::function<void(uint64_t block_hash)> listener) {
    eviction_listener_ = std::move(listener);
  }

  uint32_t block_size() const { return block_size_; }
  uint32_t num_gpu_blocks() const { return static_cast<uint32_t>(ref_cnt_.size()); }
  uint32_t num_free_blocks() const { return num_free_; }
  uint32_t num_used_blocks() const { return num_gpu_blocks() - num_free_; }
  // Fraction of blocks with ref count > 0 (vllm:kv_cache_usage_perc, as a fraction in [0, 1]).
  double usage() const { return static_cast<double>(num_used_blocks()) / num_gpu_blocks(); }
  int64_t num_cached_hashes() const { return static_cast<int64_t>(hash_to_block_.size()); }
  const GpuBlockPoolStats& stats() const { return stats_; }

  // Introspection (tests, debugging).
  bool ContainsHash(uint64_t block_hash) const { return hash_to_block_.contains(block_hash); }
  bool HasRequest(uint64_t request_id) const { return requests_.contains(request_id); }
  // The request's blocks in order; empty for an unknown id.
  std::span<const BlockId> RequestBlocks(uint64_t request_id) const;
  // Token slots reserved by the request (0 for an unknown id).
  int64_t RequestSlots(uint64_t request_id) const;
  uint32_t RefCount(BlockId b) const { return ref_cnt_[b]; }
  std::optional<uint64_t> BlockHash(BlockId b) const;
  // The free queue, head (next to be allocated) first. O(num_free).
  std::vector<BlockId> FreeQueue() const;

 private:
  struct RequestState {
    std::vector<BlockId> blocks;
    int64_t num_slots = 0;
    int64_t num_prompt_tokens = 0;
    int64_t num_hashed_blocks = 0;  // leading blocks whose hash is set (hits or registered)
  };

  int64_t BlocksFor(int64_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  // Pops the free-queue head, evicting its hash; ref count becomes 1.
  BlockId TakeFreeBlock();
  void QueueAppend(BlockId b);
  void QueueUnlink(BlockId b);
  void RegisterHash(BlockId b, uint64_t block_hash);
  void DropHash(BlockId b);

  uint32_t block_size_;
  // Per block. A block is in the free queue iff ref_cnt_ == 0.
  std::vector<uint32_t> ref_cnt_;
  std::vector<uint64_t> hash_;
  std::vector<uint8_t> has_hash_;
  std::vector<BlockId> prev_, next_;  // free queue links
  // Blocks sharing one hash form a circular list in registration order (a lone block links to
  // itself); the map points at the oldest, so its dup_prev_ is the newest.
  std::vector<BlockId> dup_prev_, dup_next_;
  BlockId head_ = kNoBlock, tail_ = kNoBlock;
  uint32_t num_free_ = 0;
  // hash -> oldest registered block still holding it; its duplicates follow via dup_next_.
  boost::unordered_flat_map<uint64_t, BlockId> hash_to_block_;
  boost::unordered_flat_map<uint64_t, RequestState> requests_;
  GpuBlockPoolStats stats_;
  std::function<void(uint64_t)> eviction_listener_;
};

}  // namespace kvb
