// Streams a text file line by line with line numbers, through ByteSource (so .zst works).
// Lines are returned as views into an internal buffer that stays valid until the next call.
// The buffer keeps `kLinePadding` readable bytes after every line so simdjson can parse a line
// in place without copying.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "utils/byte_source.h"

namespace kvb {

class LineReader {
 public:
  static constexpr size_t kLinePadding = 64;  // >= SIMDJSON_PADDING

  explicit LineReader(const std::string& path, size_t chunk_bytes = 1 << 20);

  // Next line without its terminator ("\n" or "\r\n"); false at end of input. A last line with
  // no newline is still returned.
  bool Next(std::string_view& line);
  uint64_t line_number() const { return line_number_; }  // 1-based number of the last line
  const std::string& path() const { return source_.path(); }

 private:
  bool Fill();
  ByteSource source_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace kvb
