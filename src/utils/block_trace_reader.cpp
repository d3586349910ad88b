// Block-level traces, where every access is one block and there is no notion of a prompt:
//  - block:  text, one unsigned 64-bit decimal block id per line;
//  - oracle: libCacheSim's oracleGeneral binary, packed little-endian 24-byte records
//            {u32 clock_time, u64 obj_id, u32 obj_size, i64 next_access_vtime}.
// Each access becomes a Request holding one block (docs/formats.md).
#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <vector>

#include "utils/byte_source.h"
#include "utils/line_reader.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

constexpr uint32_t kDefaultBlockSize = 1;
constexpr size_t kOracleRecordBytes = 24;
constexpr size_t kOracleChunkRecords = 1 << 16;  // 1.5 MiB per read

uint32_t BlockSizeOf(const ReadOptions& options) {
  return options.block_size > 0 ? options.block_size : kDefaultBlockSize;
}

void FillAccess(Request& out, uint64_t block_id, uint32_t block_size) {
  out.conversation_id.reset();
  out.parent_id.clear();
  out.turn = 0;
  out.type.clear();
  out.input_tokens = block_size;
  out.output_tokens = 0;
  out.block_size = block_size;
  out.block_hashes.clear();
  out.block_hashes.push_back(block_id);
  out.outcome.reset();
}

class BlockTraceReader final : public RequestReader {
 public:
  BlockTraceReader(const std::string& path, const ReadOptions& options)
      : RequestReader(std::make_unique<ReadIssues>(path, options.strict)),
        lines_(path),
        block_size_(BlockSizeOf(options)) {}

  bool NextInto(Request& out) override {
    std::string_view line;
    while (lines_.Next(line)) {
      const size_t b = line.find_first_not_of(" \t");
      if (b == std::string_view::npos || line[b] == '#') continue;
      const size_t e = line.find_last_not_of(" \t");
      const std::string_view text = line.substr(b, e + 1 - b);
      uint64_t id = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
      if (ec == std::errc::result_out_of_range) {
        issues_->Add(lines_.line_number(),
                     fmt::format("block id '{}' does not fit in an unsigned 64-bit integer",
                                 text.substr(0, 40)));
        continue;
      }
      if (ec != std::errc() || end != text.data() + text.size()) {
        issues_->Add(
            lines_.line_number(),
            fmt::format("expected one unsigned decimal block id, got '{}'", text.substr(0, 40)));
        continue;
      }
      FillAccess(out, id, block_size_);
      out.request_id = std::to_string(lines_.line_number());
      out.arrival_s = static_cast<double>(index_++);
      return true;
    }
    return false;
  }

  TraceInfo info() const override {
    TraceInfo i;
    i.format = TraceFormat::kBlock;
    i.block_size = block_size_;
    i.has_conversations = false;
    i.has_timestamps = false;
    return i;
  }

 private:
  LineReader lines_;
  uint32_t block_size_;
  uint64_t index_ = 0;
};

template <typename T>
T LoadLittleEndian(const unsigned char* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(p[i]) << (8 * i);
  return v;
}

class OracleTraceReader final : public RequestReader {
 public:
  OracleTraceReader(const std::string& path, const ReadOptions& options)
      : RequestReader(std::make_unique<ReadIssues>(path, options.strict)),
        source_(path),
        block_size_(BlockSizeOf(options)),
        buf_(kOracleChunkRecords * kOracleRecordBytes) {}

  bool NextInto(Request& out) override {
    while (true) {
      if (end_ - begin_ < kOracleRecordBytes && !Fill()) {
        Finish();
        return false;
      }
      const auto* rec = reinterpret_cast<const unsigned char*>(buf_.data() + begin_);
      begin_ += kOracleRecordBytes;
      ++index_;
      const uint32_t clock_time = LoadLittleEndian<uint32_t>(rec);
      const uint64_t obj_id = LoadLittleEndian<uint64_t>(rec + 4);
      const uint32_t obj_size = LoadLittleEndian<uint32_t>(rec + 12);
      // next_access_vtime (rec + 16) is not used: policies that need the future compute it.
      if (obj_size == 0) {
        ++zero_size_;
        continue;
      }
      FillAccess(out, obj_id, block_size_);
      out.request_id = std::to_string(index_);
      out.arrival_s = static_cast<double>(clock_time);
      return true;
    }
  }

  TraceInfo info() const override {
    TraceInfo i;
    i.format = TraceFormat::kOracle;
    i.block_size = block_size_;
    i.has_conversations = false;
    i.has_timestamps = true;
    return i;
  }

 private:
  // Tops the buffer up to whole records; false when fewer than one record is left.
  bool Fill() {
    if (eof_) return false;
    const size_t left = end_ - begin_;
    std::memmove(buf_.data(), buf_.data() + begin_, left);
    begin_ = 0;
    end_ = left;
    // ByteSource returns short reads for compressed input: keep reading until the buffer is
    // full or the input ends.
    while (end_ < buf_.size()) {
      const size_t got = source_.Read(buf_.data() + end_, buf_.size() - end_);
      if (got == 0) {
        eof_ = true;
        break;
      }
      end_ += got;
    }
    return end_ >= kOracleRecordBytes;
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    if (end_ > begin_) {
      const size_t partial = end_ - begin_;
      begin_ = end_;
      issues_->Add(index_ + 1,
                   fmt::format("record {}: the file ends {} bytes into a {}-byte record",
                               index_ + 1, partial, kOracleRecordBytes));
    }
    if (zero_size_ > 0) {
      issues_->Warn(fmt::format("{}: {} record{} with obj_size 0 skipped, as libCacheSim does",
                                source_.path(), zero_size_, zero_size_ == 1 ? "" : "s"));
    }
  }

  ByteSource source_;
  uint32_t block_size_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  bool finished_ = false;
  uint64_t index_ = 0;  // records consumed so far, skipped ones included
  uint64_t zero_size_ = 0;
};

}  // namespace

std::unique_ptr<RequestReader> OpenBlockTrace(const std::string& path, const ReadOptions& options) {
  return std::make_unique<BlockTraceReader>(path, options);
}

std::unique_ptr<RequestReader> OpenOracleTrace(const std::string& path,
                                               const ReadOptions& options) {
  return std::make_unique<OracleTraceReader>(path, options);
}

}  // namespace kvb
