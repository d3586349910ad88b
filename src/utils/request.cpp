#include "utils/request.h"

#include <algorithm>

namespace kvb {

int64_t Request::TokensInBlock(size_t i) const {
  const int64_t start = static_cast<int64_t>(i) * block_size;
  if (i + 1 < block_hashes.size()) return block_size;
  // The last block: whatever of the prompt is left, at most a block. A trace that lists fewer
  // tokens than blocks gives 0 for the extra blocks rather than a negative count.
  return std::clamp<int64_t>(input_tokens - start, 0, block_size);
}

}  // namespace kvb
