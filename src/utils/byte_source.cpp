#include "utils/byte_source.h"

#include <fmt/format.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "utils/errors.h"

namespace kvb {

struct ByteSource::Zstd {
  ZSTD_DStream* stream = nullptr;
  std::vector<char> in;
  ZSTD_inBuffer in_buf{nullptr, 0, 0};
  bool eof = false;
  ~Zstd() { ZSTD_freeDStream(stream); }
};

ByteSource::ByteSource(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) {
    throw InputError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  }
  unsigned char magic[4] = {0, 0, 0, 0};
  const size_t got = std::fread(magic, 1, 4, file_);
  std::rewind(file_);
  const bool zstd_magic =
      got == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD;
  if (zstd_magic) {
    zstd_ = std::make_unique<Zstd>();
    zstd_->stream = ZSTD_createDStream();
    ZSTD_initDStream(zstd_->stream);
    zstd_->in.resize(ZSTD_DStreamInSize());
  }
}

ByteSource::~ByteSource() {
  if (file_ != nullptr) std::fclose(file_);
}

size_t ByteSource::Read(char* dst, size_t n) {
  if (!zstd_) {
    const size_t got = std::fread(dst, 1, n, file_);
    if (got < n && std::ferror(file_)) {
      throw InputError(fmt::format("error reading '{}': {}", path_, std::strerror(errno)));
    }
    return got;
  }
  ZSTD_outBuffer out{dst, n, 0};
  while (out.pos == 0) {
    if (zstd_->in_buf.pos == zstd_->in_buf.size) {
      if (zstd_->eof) return 0;
      const size_t got = std::fread(zstd_->in.data(), 1, zstd_->in.size(), file_);
      if (got == 0) {
        zstd_->eof = true;
        continue;
      }
      zstd_->in_buf = {zstd_->in.data(), got, 0};
    }
    const size_t rc = ZSTD_decompressStream(zstd_->stream, &out, &zstd_->in_buf);
    if (ZSTD_isError(rc)) {
      throw InputError(
          fmt::format("corrupt zstd stream in '{}': {}", path_, ZSTD_getErrorName(rc)));
    }
  }
  return out.pos;
}

}  // namespace kvb
