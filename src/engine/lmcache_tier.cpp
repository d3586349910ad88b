#include "engine/lmcache_tier.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "simulation/policy_registry.h"
#include "utils/errors.h"

namespace kvb {
namespace {

uint64_t ChunkBytes(const LmcacheTierConfig& c) {
  if (c.chunk_size_tokens == 0) {
    throw InputError(fmt::format("lmcache tier '{}': chunk_size must be > 0", c.name));
  }
  if (c.kv_bytes_per_token == 0) {
    throw InputError(fmt::format("lmcache tier '{}': kv_bytes_per_token must be > 0", c.name));
  }
  if (!(c.bandwidth_bytes_per_s > 0)) {
    throw InputError(fmt::format("lmcache tier '{}': bandwidth must be > 0 bytes/s, got {}", c.name,
                                 c.bandwidth_bytes_per_s));
  }
  return uint64_t{c.chunk_size_tokens} * c.kv_bytes_per_token;
}

std::unique_ptr<EvictionPolicy> MakeTierPolicy(const LmcacheTierConfig& c, uint64_t capacity) {
  const PolicyInfo& info = FindPolicy(c.policy);  // InputError listing the valid names
  if (info.needs_future) {
    throw InputError(fmt::format(
        "lmcache tier '{}': eviction policy '{}' needs future accesses, which an online tier "
        "does not have",
        c.name, c.policy));
  }
  return info.make(PolicyParams{capacity});
}

}  // namespace

void AppendChunkHashes(std::span<const uint64_t> block_hashes, uint32_t block_size,
                       uint32_t chunk_size_tokens, int64_t num_prompt_tokens,
                       std::vector<uint64_t>& out) {
  if (block_size == 0 || chunk_size_tokens == 0 || chunk_size_tokens % block_size != 0) {
    throw InputError(
        fmt::format("lmcache chunk_size {} must be a positive multiple of the block "
                    "size {}",
                    chunk_size_tokens, block_size));
  }
  const int64_t blocks_per_chunk = chunk_size_tokens / block_size;
  const int64_t full_chunks = std::max<int64_t>(num_prompt_tokens, 0) / chunk_size_tokens;
  for (int64_t i = 0; i < full_chunks; ++i) {
    const int64_t last_block = (i + 1) * blocks_per_chunk - 1;
    if (last_block >= static_cast<int64_t>(block_hashes.size())) break;
    out.push_back(block_hashes[last_block]);
  }
}

LmcacheTier::LmcacheTier(const LmcacheTierConfig& config)
    : config_(config),
      chunk_bytes_(ChunkBytes(config)),
      cache_(config.capacity_bytes / chunk_bytes_,
             MakeTierPolicy(config, config.capacity_bytes / chunk_bytes_)) {
  cache_.set_record_evictions(true);
}

int64_t LmcacheTier::LongestPrefixChunks(std::span<const uint64_t> chunk_hashes) const {
  int64_t n = 0;
  while (n < static_cast<int64_t>(chunk_hashes.size()) && cache_.Contains(chunk_hashes[n])) ++n;
  return n;
}

int64_t LmcacheTier::Lookup(std::span<const uint64_t> chunk_hashes, int64_t num_prompt_tokens) {
  const int64_t n = LongestPrefixChunks(chunk_hashes);
  stats_.requested_tokens += num_prompt_tokens;
  stats_.hit_tokens += n * config_.chunk_size_tokens;
  return n;
}

double LmcacheTier::Load(std::span<const uint64_t> chunk_hashes, int64_t num_chunks,
                         int64_t gpu_cached_tokens, const AccessContext& ctx) {
  num_chunks = std::min<int64_t>(num_chunks, static_cast<int64_t>(chunk_hashes.size()));
  AccessContext c = ctx;
  c.blocks_in_request = static_cast<uint32_t>(num_chunks);
  int64_t present = 0;
  for (; present < num_chunks; ++present) {
    // Precondition: the prefix is present. Never insert from a load.
    assert(cache_.Contains(chunk_hashes[present]));
    if (!cache_.Contains(chunk_hashes[present])) break;
    c.block_index = static_cast<uint32_t>(present);
    c.access_index = access_index_++;
    cache_.Access(chunk_hashes[present], c);
  }
  cache_.EndRequest();
  const int64_t chunk = config_.chunk_size_tokens;
  const int64_t skipped = std::max<int64_t>(gpu_cached_tokens, 0) / chunk * chunk;
  const int64_t tokens = std::max<int64_t>(present * chunk - skipped, 0);
  stats_.loaded_tokens += tokens;
  stats_.loaded_bytes += tokens * static_cast<int64_t>(config_.kv_bytes_per_token);
  return TransferSeconds(tokens);
}

double LmcacheTier::TransferSeconds(int64_t tokens) const {
  return static_cast<double>(tokens) * static_cast<double>(config_.kv_bytes_per_token) /
         config_.bandwidth_bytes_per_s;
}

int64_t LmcacheTier::Store(std::span<const uint64_t> chunk_hashes, int64_t num_prompt_tokens,
                           const AccessContext& ctx) {
  const int64_t n =
      std::min<int64_t>(std::max<int64_t>(num_prompt_tokens, 0) / config_.chunk_size_tokens,
                        static_cast<int64_t>(chunk_hashes.size()));
  AccessContext c = ctx;
  c.blocks_in_request = static_cast<uint32_t>(n);
  const uint64_t failed_before = cache_.stats().failed_inserts;
  int64_t inserted = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (cache_.Contains(chunk_hashes[i])) continue;
    c.block_index = static_cast<uint32_t>(i);
    c.access_index = access_index_++;
    cache_.Access(chunk_hashes[i], c);
    if (cache_.Contains(chunk_hashes[i])) ++inserted;
  }
  cache_.EndRequest();
  evicted_ = cache_.TakeEvicted();
  stats_.stored_chunks += inserted;
  stats_.evicted_chunks += static_cast<int64_t>(evicted_.size());
  stats_.failed_stores += static_cast<int64_t>(cache_.stats().failed_inserts - failed_before);
  return inserted;
}

}  // namespace kvb
