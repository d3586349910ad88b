// Build identity written into every result file (tool version, git commit, build type).
#pragma once

#include <string>

namespace kvb {

std::string ToolVersion();  // e.g. "0.1.0"
std::string GitCommit();    // short hash, "-dirty" suffix when built from a modified tree
std::string BuildType();    // CMAKE_BUILD_TYPE

}  // namespace kvb
