#include "utils/file_util.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "utils/errors.h"

namespace kvb {

void WriteFileAtomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(fmt::format("cannot write '{}'", tmp));
    out << text;
    out.flush();
    if (!out) throw InputError(fmt::format("error writing '{}' (disk full?)", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw InputError(fmt::format("cannot rename '{}': {}", tmp, ec.message()));
}

}  // namespace kvb
