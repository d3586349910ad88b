#include "simulation/policy_registry.h"

#include <fmt/format.h>

#include "utils/errors.h"

namespace kvb {

const std::vector<PolicyInfo>& PolicyTable() {
  static const std::vector<PolicyInfo> kTable = {
      {"lru", "least recently used (libCacheSim LRU)", false, MakeLruPolicy},
      {"fifo", "first in, first out; hits do not reorder (libCacheSim FIFO)", false,
       MakeFifoPolicy},
      {"lfu", "least frequently used, ties FIFO within a frequency (libCacheSim LFU)", false,
       MakeLfuPolicy},
      {"arc", "adaptive replacement cache, T1/T2 with ghosts (libCacheSim ARC)", false,
       MakeArcPolicy},
      {"s3fifo", "S3-FIFO: 10% small FIFO, 90% ghost, main FIFO with reinsertion", false,
       MakeS3FifoPolicy},
      {"sieve", "SIEVE (NSDI'24): FIFO with a visited bit and a moving hand", false,
       MakeSievePolicy},
      {"belady", "optimal offline: evicts the block used farthest in the future", true,
       MakeBeladyPolicy},
      {"mru", "most recently used first", false, MakeMruPolicy},
      {"vllm", "vLLM v1 free-block queue: LRU by release, a request's deepest block first", false,
       MakeVllmPolicy},
      {"conversation-aware",
       "evicts chain tails of conversations least likely to send another turn soon", false,
       MakeConversationAwarePolicy},
  };
  return kTable;
}

const PolicyInfo& FindPolicy(std::string_view name) {
  std::string valid;
  for (const auto& p : PolicyTable()) {
    if (p.name == name) return p;
    valid += valid.empty() ? p.name : ", " + p.name;
  }
  throw InputError(fmt::format("unknown eviction policy '{}'; valid: {}", name, valid));
}

std::unique_ptr<EvictionPolicy> MakePolicy(std::string_view name, const PolicyParams& params) {
  return FindPolicy(name).make(params);
}

}  // namespace kvb
