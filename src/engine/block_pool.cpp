#include "engine/block_pool.h"

#include <algorithm>
#include <cassert>

namespace kvb {

GpuBlockPool::GpuBlockPool(uint32_t num_gpu_blocks, uint32_t block_size)
    : block_size_(block_size),
      ref_cnt_(num_gpu_blocks, 0),
      hash_(num_gpu_blocks, 0),
      has_hash_(num_gpu_blocks, 0),
      prev_(num_gpu_blocks, kNoBlock),
      next_(num_gpu_blocks, kNoBlock),
      dup_prev_(num_gpu_blocks, kNoBlock),
      dup_next_(num_gpu_blocks, kNoBlock) {
  assert(num_gpu_blocks > 0 && num_gpu_blocks < kNoBlock && block_size > 0);
  for (BlockId b = 0; b < num_gpu_blocks; ++b) QueueAppend(b);
}

int64_t GpuBlockPool::LongestCachedPrefix(std::span<const uint64_t> block_hashes,
                                          int64_t num_prompt_tokens) const {
  if (num_prompt_tokens <= 0) return 0;
  // vLLM's max_cache_hit_length = num_tokens - 1: the last token is always recomputed so that
  // the step produces logits.
  const int64_t max_blocks = std::min<int64_t>((num_prompt_tokens - 1) / block_size_,
                                               static_cast<int64_t>(block_hashes.size()));
  int64_t n = 0;
  while (n < max_blocks && hash_to_block_.contains(block_hashes[n])) ++n;
  return n;
}

std::optional<int64_t> GpuBlockPool::Allocate(uint64_t request_id,
                                              std::span<const uint64_t> block_hashes,
                                              int64_t num_prompt_tokens, int64_t num_slots) {
  assert(!requests_.contains(request_id));
  const int64_t hit_blocks = LongestCachedPrefix(block_hashes, num_prompt_tokens);
  const int64_t hit_tokens = hit_blocks * block_size_;
  const int64_t slots = std::max(num_slots, hit_tokens);
  const int64_t new_blocks = BlocksFor(slots) - hit_blocks;
  // Hit blocks sitting in the free queue leave it when touched, so they need free blocks too.
  int64_t evictable_hits = 0;
  for (int64_t i = 0; i < hit_blocks; ++i) {
    if (ref_cnt_[hash_to_block_.find(block_hashes[i])->second] == 0) ++evictable_hits;
  }
  if (new_blocks + evictable_hits > num_free_) {
    ++stats_.failed_allocations;
    return std::nullopt;
  }
  RequestState& req = requests_[request_id];
  req.blocks.reserve(BlocksFor(std::max(slots, num_prompt_tokens)));
  // Touch before allocating, so a hit block is never popped as a "new" block.
  for (int64_t i = 0; i < hit_blocks; ++i) {
    const BlockId b = hash_to_block_.find(block_hashes[i])->second;
    if (ref_cnt_[b] == 0) QueueUnlink(b);
    ++ref_cnt_[b];
    req.blocks.push_back(b);
  }
  for (int64_t i = 0; i < new_blocks; ++i) req.blocks.push_back(TakeFreeBlock());
  req.num_slots = slots;
  req.num_prompt_tokens = num_prompt_tokens;
  req.num_hashed_blocks = hit_blocks;
  ++stats_.lookups;
  stats_.query_tokens += num_prompt_tokens;
  stats_.hit_tokens += hit_tokens;
  return hit_tokens;
}

bool GpuBlockPool::AppendSlots(uint64_t request_id, int64_t n_new_tokens) {
  auto it = requests_.find(request_id);
  assert(it != requests_.end() && n_new_tokens >= 0);
  RequestState& req = it->second;
  const int64_t slots = req.num_slots + n_new_tokens;
  const int64_t new_blocks = BlocksFor(slots) - static_cast<int64_t>(req.blocks.size());
  if (new_blocks > num_free_) {
    ++stats_.failed_allocations;
    return false;
  }
  for (int64_t i = 0; i < new_blocks; ++i) req.blocks.push_back(TakeFreeBlock());
  req.num_slots = slots;
  return true;
}

void GpuBlockPool::CacheFullBlocks(uint64_t request_id, std::span<const uint64_t> block_hashes,
                                   int64_t num_computed_tokens) {
  auto it = requests_.find(request_id);
  assert(it != requests_.end());
  RequestState& req = it->second;
  const int64_t full_blocks = std::min(
      {std::min(num_computed_tokens, req.num_prompt_tokens) / block_size_,
       static_cast<int64_t>(block_hashes.size()), static_cast<int64_t>(req.blocks.size())});
  for (int64_t i = req.num_hashed_blocks; i < full_blocks; ++i) {
    RegisterHash(req.blocks[i], block_hashes[i]);
  }
  req.num_hashed_blocks = std::max(req.num_hashed_blocks, full_blocks);
}

void GpuBlockPool::Free(uint64_t request_id) {
  auto it = requests_.find(request_id);
  if (it == requests_.end()) return;
  // Reverse order: the deepest block reaches the queue first and is evicted first.
  for (auto b = it->second.blocks.rbegin(); b != it->second.blocks.rend(); ++b) {
    assert(ref_cnt_[*b] > 0);
    if (--ref_cnt_[*b] == 0) QueueAppend(*b);
  }
  requests_.erase(it);
}

std::span<const GpuBlockPool::BlockId> GpuBlockPool::RequestBlocks(uint64_t request_id) const {
  auto it = requests_.find(request_id);
  if (it == requests_.end()) return {};
  return it->second.blocks;
}

int64_t GpuBlockPool::RequestSlots(uint64_t request_id) const {
  auto it = requests_.find(request_id);
  return it == requests_.end() ? 0 : it->second.num_slots;
}

std::optional<uint64_t> GpuBlockPool::BlockHash(BlockId b) const {
  if (!has_hash_[b]) return std::nullopt;
  return hash_[b];
}

std::vector<GpuBlockPool::BlockId> GpuBlockPool::FreeQueue() const {
  std::vector<BlockId> out;
  out.reserve(num_free_);
  for (BlockId b = head_; b != kNoBlock; b = next_[b]) out.push_back(b);
  return out;
}

GpuBlockPool::BlockId GpuBlockPool::TakeFreeBlock() {
  assert(head_ != kNoBlock);
  const BlockId b = head_;
  QueueUnlink(b);
  if (has_hash_[b]) {
    const uint64_t h = hash_[b];
    DropHash(b);
    ++stats_.evicted_blocks;
    if (eviction_listener_) eviction_listener_(h);
  }
  ref_cnt_[b] = 1;
  return b;
}

void GpuBlockPool::QueueAppend(BlockId b) {
  prev_[b] = tail_;
  next_[b] = kNoBlock;
  if (tail_ != kNoBlock) {
    next_[tail_] = b;
  } else {
    head_ = b;
  }
  tail_ = b;
  ++num_free_;
}

void GpuBlockPool::QueueUnlink(BlockId b) {
  if (prev_[b] != kNoBlock) {
    next_[prev_[b]] = next_[b];
  } else {
    head_ = next_[b];
  }
  if (next_[b] != kNoBlock) {
    prev_[next_[b]] = prev_[b];
  } else {
    tail_ = prev_[b];
  }
  prev_[b] = next_[b] = kNoBlock;
  --num_free_;
}

void GpuBlockPool::RegisterHash(BlockId b, uint64_t block_hash) {
  assert(!has_hash_[b]);
  hash_[b] = block_hash;
  has_hash_[b] = 1;
  auto [it, inserted] = hash_to_block_.try_emplace(block_hash, b);
  if (inserted) {
    dup_prev_[b] = dup_next_[b] = b;
    return;
  }
  // A duplicate goes last: lookups keep returning the oldest block, as vLLM's dict does.
  const BlockId first = it->second;
  const BlockId last = dup_prev_[first];
  dup_next_[last] = b;
  dup_prev_[b] = last;
  dup_next_[b] = first;
  dup_prev_[first] = b;
}

void GpuBlockPool::DropHash(BlockId b) {
  const uint64_t h = hash_[b];
  if (dup_next_[b] == b) {
    hash_to_block_.erase(h);
  } else {
    dup_next_[dup_prev_[b]] = dup_next_[b];
    dup_prev_[dup_next_[b]] = dup_prev_[b];
    BlockId& first = hash_to_block_.find(h)->second;
    if (first == b) first = dup_next_[b];
  }
  dup_prev_[b] = dup_next_[b] = kNoBlock;
  has_hash_[b] = 0;
}

}  // namespace kvb
