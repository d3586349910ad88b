// The one place where the tools turn exceptions into exit codes (ARCHITECTURE.md error rules):
// InputError -> "error: ..." and exit code 2; anything else is a bug -> "internal error" and 1.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "utils/errors.h"

namespace kvb {

template <typename Fn>
int GuardedMain(Fn&& run) {
  try {
    return run();
  } catch (const InputError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return 1;
  }
}

}  // namespace kvb
