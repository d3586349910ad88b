// Block identities for prefix caching. A block's hash covers its tokens AND everything before
// it, as in vLLM's prefix caching: hash_i = H(hash_{i-1}, tokens of block i). The project uses
// XXH3-64 (not vLLM's sha256/builtin hash: only equality matters, never the values).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kvb {

// Parent hash of the first block of every prompt.
inline constexpr uint64_t kRootBlockHash = 0x6b76636163686521ULL;  // "kvcache!"

// Appends to `out` the chained hashes of every FULL block of `tokens` (a trailing partial block
// has no hash, as in vLLM). block_size must be > 0.
void HashTokenBlocks(std::span<const uint32_t> tokens, uint32_t block_size,
                     std::vector<uint64_t>& out);

// Identity of sub-block j when a block hashed at size B is split into blocks of size b (b | B).
// Sub-block 0 keeps a derived id too, so ids never collide with the original hashes' space.
uint64_t SubBlockId(uint64_t block_hash, uint32_t j);

// Splits the chain `hashes` (block size `from`, last block holding `last_block_tokens` tokens)
// into blocks of size `to` (to | from) and appends them to `out`. A partial last block yields
// ceil(last_block_tokens / to) sub-blocks.
void SplitBlocks(std::span<const uint64_t> hashes, uint32_t from, uint32_t to,
                 int64_t last_block_tokens, std::vector<uint64_t>& out);

}  // namespace kvb
