// Azure LLM inference traces (AzureLLMInferenceTrace_conv.csv / _code.csv, docs/formats.md):
//   TIMESTAMP,ContextTokens,GeneratedTokens
//   2023-11-16 18:15:46.6805900,4808,10
// The trace carries no prompt content, so every request gets fresh block ids: nothing is ever
// shared between requests and a prefix cache can only miss.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "utils/line_reader.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

constexpr uint32_t kDefaultBlockSize = 16;
// Block ids are a counter tagged in the top byte, so no id repeats within the trace.
constexpr uint64_t kAzureBlockBase = 0xA2ULL << 56;
constexpr int64_t kMaxContextTokens = std::numeric_limits<int32_t>::max();
constexpr std::string_view kHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";
constexpr std::array<std::string_view, 3> kColumns = {"TIMESTAMP", "ContextTokens",
                                                      "GeneratedTokens"};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") + 1 - b);
}

// Reads exactly `n` digits at `i`.
bool Digits(std::string_view s, size_t i, size_t n, int& v) {
  if (i + n > s.size()) return false;
  v = 0;
  for (size_t k = i; k < i + n; ++k) {
    if (s[k] < '0' || s[k] > '9') return false;
    v = v * 10 + (s[k] - '0');
  }
  return true;
}

struct Instant {
  int64_t seconds = 0;  // since 1970-01-01 00:00:00 UTC
  int64_t nanos = 0;
};

// "YYYY-MM-DD HH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]" ('T' may replace the space). No locale or
// time zone of the machine is involved; an explicit offset is applied.
bool ParseTimestamp(std::string_view s, Instant& t) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!Digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != ' ' && s[10] != 'T') || !Digits(s, 11, 2, h) ||
      s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, se)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) {
    return false;
  }
  size_t i = 19;
  int64_t nanos = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
      if (digits < 9) nanos = nanos * 10 + (s[i] - '0');  // finer than 1 ns is dropped
    }
    if (digits == 0) return false;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  int64_t offset_s = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (!Digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, om) || oh > 23 || om > 59) {
      return false;
    }
    offset_s = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i += 6;
  }
  if (i != s.size()) return false;
  t.seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_s;
  t.nanos = nanos;
  return true;
}

bool ParseCount(std::string_view s, int64_t& v) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && v >= 0;
}

class AzureCsvReader final : public RequestReader {
 public:
  AzureCsvReader(const std::string& path, const ReadOptions& options)
      : RequestReader(std::make_unique<ReadIssues>(path, options.strict)),
        lines_(path),
        block_size_(options.block_size > 0 ? options.block_size : kDefaultBlockSize) {}

  bool NextInto(Request& out) override {
    std::string_view line;
    while (lines_.Next(line)) {
      if (lines_.line_number() == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
      if (Trim(line).empty()) continue;
      if (!header_seen_) {
        header_seen_ = true;
        std::string why;
        if (!ParseHeader(line, why)) issues_->Add(lines_.line_number(), why);
        continue;
      }
      std::string why;
      if (ParseRow(line, out, why)) {
        Check(out);
        return true;
      }
      issues_->Add(lines_.line_number(), why);
    }
    Finish();
    return false;
  }

  TraceInfo info() const override {
    TraceInfo i;
    i.format = TraceFormat::kAzure;
    i.block_size = block_size_;
    i.has_conversations = false;
    i.has_timestamps = true;
    return i;
  }

 private:
  // Splits on ',' into `fields_`; the count is returned (fields past 3 are only counted).
  size_t Split(std::string_view line) {
    size_t n = 0, start = 0;
    while (true) {
      const size_t comma = line.find(',', start);
      const std::string_view f =
          Trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (n < fields_.size()) fields_[n] = f;
      ++n;
      if (comma == std::string_view::npos) return n;
      start = comma + 1;
    }
  }

  // The columns may come in any order; all three, and only those, must be there.
  bool ParseHeader(std::string_view line, std::string& why) {
    const size_t n = Split(line);
    std::array<int, 3> col = {-1, -1, -1};
    bool ok = n == kColumns.size();
    for (size_t f = 0; ok && f < n; ++f) {
      const auto it = std::find(kColumns.begin(), kColumns.end(), fields_[f]);
      if (it == kColumns.end() || col[it - kColumns.begin()] >= 0) {
        ok = false;
      } else {
        col[it - kColumns.begin()] = static_cast<int>(f);
      }
    }
    if (ok) {
      std::copy(col.begin(), col.end(), column_.begin());
      return true;
    }
    why = fmt::format(
        "missing header: the first line must be '{}' (got '{}'); the line is "
        "skipped and rows are read in that column order",
        kHeader, line.substr(0, 80));
    return false;
  }

  bool ParseRow(std::string_view line, Request& out, std::string& why) {
    const size_t n = Split(line);
    if (n != kColumns.size()) {
      why = fmt::format("expected 3 comma-separated fields ({}), got {}", kHeader, n);
      return false;
    }
    const std::string_view ts = fields_[column_[0]];
    const std::string_view ctx = fields_[column_[1]];
    const std::string_view gen = fields_[column_[2]];
    Instant t;
    if (!ParseTimestamp(ts, t)) {
      why = fmt::format("bad TIMESTAMP '{}' (expected YYYY-MM-DD HH:MM:SS[.fraction])",
                        ts.substr(0, 40));
      return false;
    }
    int64_t context_tokens = 0, generated_tokens = 0;
    if (!ParseCount(ctx, context_tokens) || context_tokens > kMaxContextTokens) {
      why = fmt::format("ContextTokens is not a non-negative integer: '{}'", ctx.substr(0, 40));
      return false;
    }
    if (!ParseCount(gen, generated_tokens)) {
      why = fmt::format("GeneratedTokens is not a non-negative integer: '{}'", gen.substr(0, 40));
      return false;
    }
    if (!have_base_) {
      have_base_ = true;
      base_ = t;
    }
    out.request_id = std::to_string(lines_.line_number());
    out.arrival_s = static_cast<double>(t.seconds - base_.seconds) +
                    static_cast<double>(t.nanos - base_.nanos) * 1e-9;
    out.conversation_id.reset();
    out.parent_id.clear();
    out.turn = 0;
    out.type.clear();
    out.input_tokens = context_tokens;
    out.output_tokens = generated_tokens;
    out.block_size = block_size_;
    out.block_hashes.clear();
    const int64_t blocks = (context_tokens + block_size_ - 1) / block_size_;
    for (int64_t j = 0; j < blocks; ++j)
      out.block_hashes.push_back(kAzureBlockBase + next_block_++);
    out.outcome.reset();
    return true;
  }

  void Check(const Request& r) {
    if (r.arrival_s < last_arrival_s_ && out_of_order_++ == 0) {
      first_out_of_order_line_ = lines_.line_number();
    }
    last_arrival_s_ = std::max(last_arrival_s_, r.arrival_s);
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    if (out_of_order_ > 0) {
      issues_->Warn(
          fmt::format("{}: {} rows arrive earlier than a previous one (first at line "
                      "{}); the trace is not sorted by TIMESTAMP",
                      lines_.path(), out_of_order_, first_out_of_order_line_));
    }
  }

  LineReader lines_;
  uint32_t block_size_;
  std::array<std::string_view, 3> fields_;
  std::array<int, 3> column_ = {0, 1, 2};  // field index of TIMESTAMP, ContextTokens, Generated
  bool header_seen_ = false;
  bool have_base_ = false;
  Instant base_;
  uint64_t next_block_ = 0;
  uint64_t out_of_order_ = 0, first_out_of_order_line_ = 0;
  double last_arrival_s_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<RequestReader> OpenAzureCsv(const std::string& path, const ReadOptions& options) {
  return std::make_unique<AzureCsvReader>(path, options);
}

}  // namespace kvb
