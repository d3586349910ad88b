// Zipf-distributed block ids for benchmarks: rank r (1-based) is drawn with probability
// proportional to r^-alpha by inverting a precomputed CDF; ranks map to scrambled 64-bit ids so
// popular blocks are not small consecutive numbers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace kvb::bench {

class ZipfGenerator {
 public:
  ZipfGenerator(uint64_t objects, double alpha) : cdf_(objects) {
    double sum = 0;
    for (uint64_t i = 0; i < objects; ++i) {
      sum += std::pow(static_cast<double>(i + 1), -alpha);
      cdf_[i] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  // Rank in [0, objects).
  uint64_t NextRank(std::mt19937_64& rng) {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    return static_cast<uint64_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }
  static uint64_t Scramble(uint64_t x) {  // splitmix64 finalizer: a bijection on 64 bits
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

 private:
  std::vector<double> cdf_;
};

}  // namespace kvb::bench
