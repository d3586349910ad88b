// Error types shared by every library. House rules (see ARCHITECTURE.md):
//  - invalid user input (flags, configs, traces with --strict) throws InputError, caught once
//    in main and mapped to exit code 2;
//  - assertions only for programmer errors.
#pragma once

#include <stdexcept>
#include <string>

namespace kvb {

// Bad user input: a flag, a config key, a file that cannot be read. The message names what and
// where (file:line, key path) and is printed as-is by the entry points.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kvb
