// The one explicit table of eviction policies. An unknown name is an error listing the valid
// ones; there is never a silent default.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "simulation/eviction_policy.h"

namespace kvb {

struct PolicyParams {
  uint64_t capacity_blocks = 0;  // UINT64_MAX: unbounded
};

struct PolicyInfo {
  std::string name;
  std::string summary;        // one line, shown by --list-policies
  bool needs_future = false;  // belady: the simulator must supply AccessContext::next_access
  std::function<std::unique_ptr<EvictionPolicy>(const PolicyParams&)> make;
};

const std::vector<PolicyInfo>& PolicyTable();
// Throws InputError "unknown eviction policy 'x'; valid: lru, fifo, ..." for an unknown name.
const PolicyInfo& FindPolicy(std::string_view name);
std::unique_ptr<EvictionPolicy> MakePolicy(std::string_view name, const PolicyParams& params);

// Factories, one per policy file.
std::unique_ptr<EvictionPolicy> MakeLruPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeMruPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeFifoPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeLfuPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeArcPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeS3FifoPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeSievePolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeBeladyPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeVllmPolicy(const PolicyParams&);
std::unique_ptr<EvictionPolicy> MakeConversationAwarePolicy(const PolicyParams&);

}  // namespace kvb
