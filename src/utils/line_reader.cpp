#include "utils/line_reader.h"

#include <cstring>

namespace kvb {

LineReader::LineReader(const std::string& path, size_t chunk_bytes)
    : source_(path), buf_(chunk_bytes + kLinePadding) {}

// Moves the unread tail to the front and appends more input; grows the buffer when one line is
// longer than the buffer. Returns false when nothing more could be read.
bool LineReader::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ <= kLinePadding) buf_.resize(buf_.size() * 2);
  const size_t got = source_.Read(buf_.data() + end_, buf_.size() - end_ - kLinePadding);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  return true;
}

bool LineReader::Next(std::string_view& line) {
  size_t scan_from = begin_;
  while (true) {
    const char* start = buf_.data() + scan_from;
    const void* nl = std::memchr(start, '\n', end_ - scan_from);
    if (nl != nullptr) {
      const size_t pos = static_cast<const char*>(nl) - buf_.data();
      size_t len = pos - begin_;
      if (len > 0 && buf_[begin_ + len - 1] == '\r') --len;
      line = std::string_view(buf_.data() + begin_, len);
      begin_ = pos + 1;
      ++line_number_;
      return true;
    }
    const size_t scanned = end_ - begin_;
    if (!Fill()) {
      if (begin_ == end_) return false;
      size_t len = end_ - begin_;
      if (buf_[begin_ + len - 1] == '\r') --len;
      // Zero the padding after an unterminated last line so parsers see a clean end.
      std::memset(buf_.data() + end_, 0, kLinePadding);
      line = std::string_view(buf_.data() + begin_, len);
      begin_ = end_;
      ++line_number_;
      return true;
    }
    scan_from = begin_ + scanned;
  }
}

}  // namespace kvb
