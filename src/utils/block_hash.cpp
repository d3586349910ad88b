#include "utils/block_hash.h"

#include <xxhash.h>

namespace kvb {

void HashTokenBlocks(std::span<const uint32_t> tokens, uint32_t block_size,
                     std::vector<uint64_t>& out) {
  uint64_t parent = kRootBlockHash;
  for (size_t start = 0; start + block_size <= tokens.size(); start += block_size) {
    // Seeding with the parent chains the hash: equal hashes mean equal whole prefixes (up to
    // 64-bit collisions, negligible at trace sizes).
    parent = XXH3_64bits_withSeed(tokens.data() + start, block_size * sizeof(uint32_t), parent);
    out.push_back(parent);
  }
}

uint64_t SubBlockId(uint64_t block_hash, uint32_t j) {
  const uint64_t words[2] = {block_hash, j};
  return XXH3_64bits_withSeed(words, sizeof(words), 0x5375624b56ULL);
}

void SplitBlocks(std::span<const uint64_t> hashes, uint32_t from, uint32_t to,
                 int64_t last_block_tokens, std::vector<uint64_t>& out) {
  if (from == to) {
    out.insert(out.end(), hashes.begin(), hashes.end());
    return;
  }
  const uint32_t per_block = from / to;
  for (size_t i = 0; i < hashes.size(); ++i) {
    uint32_t n = per_block;
    if (i + 1 == hashes.size() && last_block_tokens > 0 && last_block_tokens < from) {
      n = static_cast<uint32_t>((last_block_tokens + to - 1) / to);
    }
    for (uint32_t j = 0; j < n; ++j) out.push_back(SubBlockId(hashes[i], j));
  }
}

}  // namespace kvb
