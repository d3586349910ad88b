// Writing result files so that a kill at any moment never leaves a half-written file under the
// final name.
#pragma once

#include <string>

namespace kvb {

// Writes `text` to `path` atomically: a temporary name in the same directory, then rename.
// Throws InputError when the file cannot be written.
void WriteFileAtomic(const std::string& path, const std::string& text);

}  // namespace kvb
