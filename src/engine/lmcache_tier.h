// One LMCache storage tier (CPU memory or local disk) of the engine model. It holds KV chunks of
// chunk_size tokens keyed by the chained hash of the chunk's last 16-token block (which identifies
// the whole prefix up to the chunk's end, see AppendChunkHashes). Capacity is counted in chunks:
// floor(capacity_bytes / (chunk_size_tokens * kv_bytes_per_token)). Order and eviction come from
// a kvb::BlockCache over a policy of the simulator's registry (lru, lfu, fifo, mru, arc, s3fifo,
// sieve, vllm, conversation-aware); belady needs the future and is refused.
//
// Rules (docs/engine.md):
//  - Store: after a prefill completes, its FULL chunks are stored (LMCache's default; its
//    save_unfull_chunk option that also saves a trailing partial chunk is not modeled). Chunks
//    already present are skipped (LMCache skips the tokens it already had), not touched.
//  - Lookup: the longest prefix of chunks present; a missing chunk ends the prefix.
//  - Load: the chunks of that prefix are touched as hits; the bytes moved are those of the tokens
//    past the GPU hit, the GPU hit rounded down to a chunk boundary (LMCache retrieves whole
//    chunks under a chunk-aligned mask), and the time is bytes / bandwidth_bytes_per_s.
// Each Store/Load ends one request for the policy (EvictionPolicy::OnRequestEnd).
// Single-threaded.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "simulation/block_cache.h"
#include "simulation/eviction_policy.h"

namespace kvb {

// Appends to `out` the chunk hashes of a prompt of num_prompt_tokens tokens whose chained block
// hashes (block size block_size) are block_hashes: chunk i, for every FULL chunk
// ((i + 1) * chunk_size_tokens <= num_prompt_tokens) whose last block has a hash, is
// block_hashes[(i + 1) * chunk_size_tokens / block_size - 1]. Chained hashes make the last block
// of a chunk identify the whole prefix. chunk_size_tokens must be a positive multiple of
// block_size (InputError otherwise).
void AppendChunkHashes(std::span<const uint64_t> block_hashes, uint32_t block_size,
                       uint32_t chunk_size_tokens, int64_t num_prompt_tokens,
                       std::vector<uint64_t>& out);

struct LmcacheTierConfig {
  std::string name = "cpu";  // "cpu" or "disk": only used in messages and reports
  uint64_t capacity_bytes = 0;
  uint32_t chunk_size_tokens = 256;
  uint64_t kv_bytes_per_token = 0;   // all layers, K and V, at the model's dtype
  double bandwidth_bytes_per_s = 0;  // tier -> GPU
  std::string policy = "lru";
};

struct LmcacheTierStats {
  int64_t requested_tokens = 0;  // lmcache:num_requested_tokens (per Lookup)
  int64_t hit_tokens = 0;        // lmcache:num_hit_tokens (per Lookup)
  int64_t loaded_tokens = 0;     // tokens moved to the GPU by Load
  int64_t loaded_bytes = 0;
  int64_t stored_chunks = 0;  // chunks inserted by Store
  int64_t evicted_chunks = 0;
  int64_t failed_stores = 0;  // chunks not stored because every cached chunk was pinned
};

class LmcacheTier {
 public:
  // Throws InputError on a zero chunk size, kv_bytes_per_token or bandwidth, an unknown policy
  // (the registry's message listing the valid ones) or a policy that needs the future.
  explicit LmcacheTier(const LmcacheTierConfig& config);

  // Number of leading chunks present. No state change, no statistics.
  int64_t LongestPrefixChunks(std::span<const uint64_t> chunk_hashes) const;
  // LongestPrefixChunks, counted in the statistics: requested += num_prompt_tokens, hit += the
  // prefix in tokens. Call once per lookup the scheduler makes.
  int64_t Lookup(std::span<const uint64_t> chunk_hashes, int64_t num_prompt_tokens);

  // Loads the first num_chunks chunks (all must be present: num_chunks <= LongestPrefixChunks) to
  // the GPU, which already holds gpu_cached_tokens of the prompt. Touches every one of those
  // chunks as a hit. Moves (num_chunks * chunk - floor(gpu_cached_tokens / chunk) * chunk) tokens
  // (0 when the GPU already holds them all) and returns the transfer time in seconds. `ctx`
  // carries the request's time and conversation (block_index/blocks_in_request are filled in).
  double Load(std::span<const uint64_t> chunk_hashes, int64_t num_chunks, int64_t gpu_cached_tokens,
              const AccessContext& ctx);
  // Transfer time of `tokens` tokens: tokens * kv_bytes_per_token / bandwidth_bytes_per_s.
  double TransferSeconds(int64_t tokens) const;

  // Stores the full chunks of a completed prefill of num_prompt_tokens tokens (chunk_hashes as
  // from AppendChunkHashes; chunks past floor(num_prompt_tokens / chunk) are ignored). Present
  // chunks are skipped; new ones may evict. Returns the number of chunks inserted.
  int64_t Store(std::span<const uint64_t> chunk_hashes, int64_t num_prompt_tokens,
                const AccessContext& ctx);

  bool Contains(uint64_t chunk_hash) const { return cache_.Contains(chunk_hash); }
  const std::string& name() const { return config_.name; }
  uint32_t chunk_size_tokens() const { return config_.chunk_size_tokens; }
  uint64_t chunk_bytes() const { return chunk_bytes_; }
  uint64_t capacity_chunks() const { return cache_.capacity(); }
  uint64_t num_chunks() const { return cache_.size(); }
  uint64_t usage_bytes() const { return cache_.size() * chunk_bytes_; }
  const LmcacheTierStats& stats() const { return stats_; }
  // Chunks evicted by the last Store, in eviction order.
  const std::vector<uint64_t>& last_evicted() const { return evicted_; }

 private:
  LmcacheTierConfig config_;
  uint64_t chunk_bytes_;
  BlockCache cache_;
  uint64_t access_index_ = 0;
  LmcacheTierStats stats_;
  std::vector<uint64_t> evicted_;
};

}  // namespace kvb
