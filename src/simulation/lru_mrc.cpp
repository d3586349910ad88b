#include "simulation/lru_mrc.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace kvb {

void LruMrc::WordAdd(size_t word, int32_t delta) {
  for (size_t i = word + 1; i <= word_tree_.size(); i += i & (~i + 1)) word_tree_[i - 1] += delta;
}

uint64_t LruMrc::MarksBefore(uint32_t t) const {
  const size_t word = t / 64;
  int64_t s = 0;
  for (size_t i = word; i > 0; i -= i & (~i + 1)) s += word_tree_[i - 1];
  const uint64_t below = bits_[word] & ((uint64_t{1} << (t % 64)) - 1);
  return static_cast<uint64_t>(s) + static_cast<uint64_t>(std::popcount(below));
}

// Renumbers the live marks 0..D-1 keeping their order: a block's new time is its rank, read
// from the bitset, so no sort is needed.
void LruMrc::Compact() {
  const size_t live = last_time_.size();
  if (!bits_.empty()) {
    std::vector<uint32_t> words_before(bits_.size());
    uint32_t acc = 0;
    for (size_t w = 0; w < bits_.size(); ++w) {
      words_before[w] = acc;
      acc += static_cast<uint32_t>(std::popcount(bits_[w]));
    }
    for (auto& [key, t] : last_time_) {
      const uint64_t below = bits_[t / 64] & ((uint64_t{1} << (t % 64)) - 1);
      t = words_before[t / 64] + static_cast<uint32_t>(std::popcount(below));
    }
  }
  const size_t words = std::max<size_t>(1 << 14, (4 * live) / 64 + 1);
  if (words * 64 >= std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("lru MRC: more than 1e9 distinct blocks");
  }
  bits_.assign(words, 0);
  for (size_t i = 0; i < live; ++i) bits_[i / 64] |= uint64_t{1} << (i % 64);
  // O(n) Fenwick build from the word counts.
  word_tree_.assign(words, 0);
  for (size_t w = 0; w < words; ++w) word_tree_[w] = std::popcount(bits_[w]);
  for (size_t i = 1; i <= words; ++i) {
    const size_t parent = i + (i & (~i + 1));
    if (parent <= words) word_tree_[parent - 1] += word_tree_[i - 1];
  }
  now_ = static_cast<uint32_t>(live);
}

uint64_t LruMrc::Distance(uint64_t key) {
  if (now_ >= bits_.size() * 64) Compact();
  const uint32_t t = now_++;
  auto [it, inserted] = last_time_.try_emplace(key, t);
  if (!inserted) {
    const uint32_t prev = it->second;
    // 1s at or after prev: the distinct blocks touched since (and including) the last access.
    const uint64_t marks = last_time_.size() - MarksBefore(prev);
    bits_[prev / 64] &= ~(uint64_t{1} << (prev % 64));
    WordAdd(prev / 64, -1);
    bits_[t / 64] |= uint64_t{1} << (t % 64);
    WordAdd(t / 64, 1);
    it->second = t;
    return marks;
  }
  bits_[t / 64] |= uint64_t{1} << (t % 64);
  WordAdd(t / 64, 1);
  return std::numeric_limits<uint64_t>::max();
}

void LruMrc::Process(const SimBatch& batch) {
  for (const SimRequest& r : batch.requests) {
    prompt_tokens_ += static_cast<uint64_t>(r.input_tokens);
    uint64_t running_max = 0;
    for (uint32_t j = 0; j < r.num_blocks; ++j) {
      const size_t i = r.first + j;
      const uint64_t d = Distance(batch.keys[i]);
      ++accesses_;
      running_max = std::max(running_max, d);
      const uint64_t effective = mode_ == HitMode::kPrefix ? running_max : d;
      if (effective == std::numeric_limits<uint64_t>::max()) continue;
      if (effective >= hist_.size()) {
        hist_.resize(std::max<size_t>(effective + 1, hist_.size() * 2));
      }
      ++hist_[effective].hits;
      hist_[effective].tokens += batch.tokens[i];
    }
  }
}

MrcResult LruMrc::Result(const std::vector<uint64_t>& capacities, size_t curve_points) const {
  MrcResult out;
  out.accesses = accesses_;
  out.prompt_tokens = prompt_tokens_;
  out.distinct_blocks = last_time_.size();
  // Cumulative sums: hits at capacity c = sum of hist[1..c].
  std::vector<uint64_t> cum(hist_.size() + 1, 0), cum_tokens(hist_.size() + 1, 0);
  for (size_t d = 0; d < hist_.size(); ++d) {
    cum[d + 1] = cum[d] + hist_[d].hits;
    cum_tokens[d + 1] = cum_tokens[d] + hist_[d].tokens;
  }
  // cum[k] sums distances 0..k-1, so capacity c (distances <= c) reads cum[c + 1].
  const auto at = [&](uint64_t c) {
    const size_t idx =
        hist_.empty() ? 0 : static_cast<size_t>(std::min<uint64_t>(c, hist_.size() - 1)) + 1;
    return MrcPoint{c, cum[idx], cum_tokens[idx]};
  };
  for (uint64_t c : capacities) out.requested.push_back(at(c));
  const uint64_t max_c = std::max<uint64_t>(1, out.distinct_blocks);
  uint64_t last = 0;
  for (size_t k = 0; k <= curve_points; ++k) {
    const double x = std::pow(static_cast<double>(max_c), static_cast<double>(k) / curve_points);
    const uint64_t c = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(x)));
    if (c == last) continue;
    last = c;
    out.curve.push_back(at(c));
  }
  return out;
}

}  // namespace kvb
