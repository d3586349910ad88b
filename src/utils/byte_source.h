// Streaming byte input from a file, transparently decompressing zstd (".zst" suffix or the zstd
// magic number). Never holds more than one buffer of the file in memory.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>

namespace kvb {

class ByteSource {
 public:
  // Throws InputError naming the path when the file cannot be opened.
  explicit ByteSource(const std::string& path);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Reads up to `n` bytes into `dst`; returns the count, 0 at end of input. Throws InputError on
  // an I/O error or a corrupt compressed stream.
  size_t Read(char* dst, size_t n);
  const std::string& path() const { return path_; }
  bool compressed() const { return zstd_ != nullptr; }

 private:
  struct Zstd;
  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<Zstd> zstd_;
};

}  // namespace kvb
