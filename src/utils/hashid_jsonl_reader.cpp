// Hash-id JSONL traces: Mooncake (FAST'25) and Alibaba Qwen-Bailian (ATC'25). One JSON object a
// line; parsed in place with simdjson's on-demand API (no copy of the line).
#include <fmt/format.h>
#include <simdjson.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <cmath>

#include "utils/errors.h"
#include "utils/line_reader.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

static_assert(LineReader::kLinePadding >= simdjson::SIMDJSON_PADDING);

constexpr uint32_t kMooncakeBlockSize = 512;
constexpr uint32_t kAlibabaBlockSize = 16;

class HashIdJsonlReader final : public RequestReader {
 public:
  HashIdJsonlReader(const std::string& path, TraceFormat format, const ReadOptions& options)
      : RequestReader(std::make_unique<ReadIssues>(path, options.strict)),
        lines_(path),
        format_(format) {
    block_size_ = format == TraceFormat::kMooncake ? kMooncakeBlockSize : kAlibabaBlockSize;
  }

  bool NextInto(Request& out) override {
    std::string_view line;
    while (lines_.Next(line)) {
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      std::string why;
      if (Parse(line, out, why)) {
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
    i.format = format_;
    i.block_size = block_size_;
    i.has_conversations = format_ == TraceFormat::kAlibaba;
    return i;
  }

 private:
  bool Parse(std::string_view line, Request& out, std::string& why) {
    out.block_hashes.clear();
    out.conversation_id.reset();
    out.parent_id.clear();
    out.type.clear();
    out.turn = 0;
    out.outcome.reset();
    out.block_size = block_size_;
    bool has_ts = false, has_in = false, has_out = false, has_hashes = false;
    int64_t chat_id = -1, parent_chat_id = -1;
    simdjson::dom::element doc;
    const auto fail = [&](const std::string& msg) {
      why = msg;
      return false;
    };
    // LineReader keeps kLinePadding readable bytes after every line, so no copy is needed.
    if (parser_.parse(line.data(), line.size(), false).get(doc)) {
      return fail("not valid JSON");
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return fail("not a JSON object");
    for (auto field : obj) {
      const std::string_view key = field.key;
      const simdjson::dom::element value = field.value;
      if (key == "hash_ids") {
        simdjson::dom::array arr;
        if (value.get_array().get(arr)) return fail("'hash_ids' is not an array");
        for (auto v : arr) {
          uint64_t h = 0;
          if (v.get_uint64().get(h)) return fail("'hash_ids' holds a non-integer or negative id");
          out.block_hashes.push_back(h);
        }
        has_hashes = true;
      } else if (key == "timestamp") {
        double ts = 0;
        if (value.get_double().get(ts) || !std::isfinite(ts) || ts < 0) {
          return fail("'timestamp' is not a non-negative number");
        }
        // Mooncake stamps milliseconds, Alibaba seconds.
        out.arrival_s = format_ == TraceFormat::kMooncake ? ts / 1000.0 : ts;
        has_ts = true;
      } else if (key == "input_length") {
        if (value.get_int64().get(out.input_tokens) || out.input_tokens < 0) {
          return fail("'input_length' is not a non-negative integer");
        }
        has_in = true;
      } else if (key == "output_length") {
        if (value.get_int64().get(out.output_tokens) || out.output_tokens < 0) {
          return fail("'output_length' is not a non-negative integer");
        }
        has_out = true;
      } else if (key == "chat_id") {
        if (value.get_int64().get(chat_id)) return fail("'chat_id' is not an integer");
      } else if (key == "parent_chat_id") {
        if (value.get_int64().get(parent_chat_id))
          return fail("'parent_chat_id' is not an integer");
      } else if (key == "turn") {
        int64_t t = 0;
        if (value.get_int64().get(t) || t < 0 || t > INT32_MAX) {
          return fail("'turn' is not a non-negative integer");
        }
        out.turn = static_cast<int32_t>(t);
      } else if (key == "type") {
        std::string_view t;
        if (value.get_string().get(t)) return fail("'type' is not a string");
        out.type.assign(t);
      }
      // Unknown fields are allowed: traces grow columns.
    }
    if (!has_ts) return fail("missing 'timestamp'");
    if (!has_in) return fail("missing 'input_length'");
    if (!has_out) return fail("missing 'output_length'");
    if (!has_hashes) return fail("missing 'hash_ids'");
    ++index_;
    if (format_ == TraceFormat::kAlibaba) {
      if (chat_id < 0) return fail("missing 'chat_id'");
      out.request_id = std::to_string(chat_id);
      // A conversation is named by its first request's chat_id; a parent outside the file
      // (a windowed trace) names the conversation itself.
      int64_t root = chat_id;
      if (parent_chat_id >= 0) {
        out.parent_id = std::to_string(parent_chat_id);
        auto it = root_of_.find(parent_chat_id);
        root = it != root_of_.end() ? it->second : parent_chat_id;
      }
      root_of_[chat_id] = root;
      out.conversation_id = root;
    } else {
      out.request_id = std::to_string(lines_.line_number());
    }
    return true;
  }

  // Soft consistency checks: counted and reported at the end, the request is still used.
  void Check(const Request& r) {
    const int64_t want = (r.input_tokens + block_size_ - 1) / block_size_;
    if (static_cast<int64_t>(r.block_hashes.size()) != want) {
      if (length_mismatch_++ == 0) first_mismatch_line_ = lines_.line_number();
    }
    if (r.arrival_s < last_arrival_s_) {
      if (out_of_order_++ == 0) first_out_of_order_line_ = lines_.line_number();
    }
    last_arrival_s_ = std::max(last_arrival_s_, r.arrival_s);
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    if (length_mismatch_ > 0) {
      issues_->Warn(fmt::format(
          "{}: {} requests have len(hash_ids) != ceil(input_length / {}) (first at line {}); "
          "token counts use input_length",
          lines_.path(), length_mismatch_, block_size_, first_mismatch_line_));
    }
    if (out_of_order_ > 0) {
      issues_->Warn(
          fmt::format("{}: {} requests arrive earlier than a previous one (first at "
                      "line {}); the trace is not sorted by timestamp",
                      lines_.path(), out_of_order_, first_out_of_order_line_));
    }
  }

  LineReader lines_;
  TraceFormat format_;
  uint32_t block_size_;
  simdjson::dom::parser parser_;
  boost::unordered_flat_map<int64_t, int64_t> root_of_;
  uint64_t index_ = 0;
  uint64_t length_mismatch_ = 0, first_mismatch_line_ = 0;
  uint64_t out_of_order_ = 0, first_out_of_order_line_ = 0;
  double last_arrival_s_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<RequestReader> OpenHashIdJsonl(const std::string& path, TraceFormat format,
                                               const ReadOptions& options) {
  return std::make_unique<HashIdJsonlReader>(path, format, options);
}

}  // namespace kvb
