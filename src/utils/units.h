// Parsing of human-friendly quantities used on command lines and in configs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kvb {

// A cache capacity as the user wrote it: "5859" or "1e4" (blocks), "3Mtok"/"512ktok"/"100tok"
// (tokens), "64GB"/"1.5GiB"/"512MB" (bytes), "inf" (unbounded).
struct Capacity {
  enum class Unit { kBlocks, kTokens, kBytes, kInfinite };
  Unit unit = Unit::kBlocks;
  double value = 0;
  std::string text;  // as written, for reports
};

// Throws InputError naming the text and the accepted forms.
Capacity ParseCapacity(std::string_view text);

// "64GB" -> bytes (decimal GB = 1e9, GiB = 2^30, also KB/MB/TB/KiB/MiB/TiB, plain number = bytes).
double ParseBytes(std::string_view text);

// Converts to blocks (rounding down, at least 1 for a positive finite capacity); kInfinite gives
// UINT64_MAX. kv_bytes_per_token is needed for kBytes (0 -> InputError asking for --model).
uint64_t CapacityToBlocks(const Capacity& c, uint32_t block_size, double kv_bytes_per_token);

}  // namespace kvb
