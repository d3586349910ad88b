#include "utils/units.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "utils/errors.h"

namespace kvb {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "1.5GiB" into 1.5 and "gib"; false when there is no leading number.
bool SplitNumber(std::string_view text, double& value, std::string& suffix) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || !std::isfinite(value)) return false;
  suffix = Lower(std::string_view(ptr, end - ptr));
  while (!suffix.empty() && suffix.front() == ' ') suffix.erase(suffix.begin());
  return true;
}

bool ByteMultiplier(const std::string& suffix, double& mult) {
  static const std::pair<const char*, double> kUnits[] = {{"b", 1},
                                                          {"kb", 1e3},
                                                          {"mb", 1e6},
                                                          {"gb", 1e9},
                                                          {"tb", 1e12},
                                                          {"kib", 1024.0},
                                                          {"mib", 1048576.0},
                                                          {"gib", 1073741824.0},
                                                          {"tib", 1099511627776.0},
                                                          {"k", 1e3},
                                                          {"m", 1e6},
                                                          {"g", 1e9}};
  for (const auto& [name, m] : kUnits) {
    if (suffix == name) {
      mult = m;
      return true;
    }
  }
  return false;
}

}  // namespace

Capacity ParseCapacity(std::string_view text) {
  Capacity c;
  c.text = std::string(text);
  const std::string low = Lower(text);
  if (low == "inf" || low == "infinite" || low == "unbounded") {
    c.unit = Capacity::Unit::kInfinite;
    return c;
  }
  double value = 0;
  std::string suffix;
  const auto bad = [&] {
    return InputError(fmt::format(
        "invalid capacity '{}': expected blocks (5859, 1e4), tokens (3Mtok, 512ktok) or bytes "
        "(64GB, 1.5GiB), or 'inf'",
        text));
  };
  if (!SplitNumber(text, value, suffix) || value <= 0) throw bad();
  if (suffix.empty() || suffix == "blocks" || suffix == "blk") {
    c.unit = Capacity::Unit::kBlocks;
    c.value = value;
  } else if (suffix.size() >= 3 && suffix.compare(suffix.size() - 3, 3, "tok") == 0) {
    double mult = 1;
    const std::string prefix = suffix.substr(0, suffix.size() - 3);
    if (prefix == "k") {
      mult = 1e3;
    } else if (prefix == "m") {
      mult = 1e6;
    } else if (prefix == "g") {
      mult = 1e9;
    } else if (!prefix.empty()) {
      throw bad();
    }
    c.unit = Capacity::Unit::kTokens;
    c.value = value * mult;
  } else {
    double mult = 0;
    if (!ByteMultiplier(suffix, mult)) throw bad();
    c.unit = Capacity::Unit::kBytes;
    c.value = value * mult;
  }
  return c;
}

double ParseBytes(std::string_view text) {
  double value = 0;
  std::string suffix;
  double mult = 1;
  if (!SplitNumber(text, value, suffix) || value < 0 ||
      (!suffix.empty() && !ByteMultiplier(suffix, mult))) {
    throw InputError(fmt::format(
        "invalid size '{}': expected a number with an optional unit (GB, GiB, MB, ...)", text));
  }
  return value * mult;
}

uint64_t CapacityToBlocks(const Capacity& c, uint32_t block_size, double kv_bytes_per_token) {
  double blocks = 0;
  switch (c.unit) {
    case Capacity::Unit::kInfinite:
      return std::numeric_limits<uint64_t>::max();
    case Capacity::Unit::kBlocks:
      blocks = c.value;
      break;
    case Capacity::Unit::kTokens:
      blocks = c.value / block_size;
      break;
    case Capacity::Unit::kBytes:
      if (kv_bytes_per_token <= 0) {
        throw InputError(fmt::format(
            "capacity '{}' is in bytes: pass --model NAME so KV bytes per token are known",
            c.text));
      }
      blocks = c.value / (kv_bytes_per_token * block_size);
      break;
  }
  if (blocks >= 1.8e19) return std::numeric_limits<uint64_t>::max();
  return std::max<uint64_t>(1, static_cast<uint64_t>(std::floor(blocks)));
}

}  // namespace kvb
