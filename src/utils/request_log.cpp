#include "utils/request_log.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "utils/errors.h"
#include "utils/line_reader.h"
#include "utils/trace_reader.h"
#include "utils/version.h"

namespace kvb {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// JSON string with escapes; bytes that are not valid UTF-8 become U+FFFD so the line stays
// valid JSON (request ids and error texts can come from anywhere).
void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Shortest round-trip representation; JSON has no NaN/inf, so those become null.
void AppendNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

std::string NowIso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string RequestToJsonLine(const Request& r) {
  std::string out;
  out.reserve(160 + r.block_hashes.size() * 12);
  out += "{\"request_id\":";
  AppendJsonString(out, r.request_id);
  out += ",\"arrival_s\":";
  AppendNumber(out, r.arrival_s);
  out += ",\"conversation_id\":";
  if (r.conversation_id) {
    fmt::format_to(std::back_inserter(out), "{}", *r.conversation_id);
  } else {
    out += "null";
  }
  out += ",\"parent_id\":";
  AppendJsonString(out, r.parent_id);
  fmt::format_to(std::back_inserter(out), ",\"turn\":{},\"type\":", r.turn);
  AppendJsonString(out, r.type);
  fmt::format_to(std::back_inserter(out),
                 ",\"input_tokens\":{},\"output_tokens\":{},\"block_size\":{},\"block_hashes\":[",
                 r.input_tokens, r.output_tokens, r.block_size);
  for (size_t i = 0; i < r.block_hashes.size(); ++i) {
    if (i > 0) out += ',';
    fmt::format_to(std::back_inserter(out), "{}", r.block_hashes[i]);
  }
  out += ']';
  if (r.outcome) {
    const RequestOutcome& o = *r.outcome;
    const auto num = [&](const char* key, double v) {
      fmt::format_to(std::back_inserter(out), ",\"{}\":", key);
      AppendNumber(out, v);
    };
    const auto integer = [&](const char* key, int64_t v) {
      fmt::format_to(std::back_inserter(out), ",\"{}\":{}", key, v);
    };
    num("send_s", o.send_s);
    num("scheduled_s", o.scheduled_s);
    num("first_token_s", o.first_token_s);
    num("finish_s", o.finish_s);
    num("ttft_ms", o.ttft_ms);
    num("tpot_ms", o.tpot_ms);
    num("e2e_ms", o.e2e_ms);
    out += ",\"itl_ms\":[";
    for (size_t i = 0; i < o.itl_ms.size(); ++i) {
      if (i > 0) out += ',';
      AppendNumber(out, o.itl_ms[i]);
    }
    out += ']';
    integer("prompt_tokens", o.prompt_tokens);
    integer("cached_tokens", o.cached_tokens);
    integer("gpu_hit_tokens", o.gpu_hit_tokens);
    integer("cpu_hit_tokens", o.cpu_hit_tokens);
    integer("disk_hit_tokens", o.disk_hit_tokens);
    integer("computed_tokens", o.computed_tokens);
    integer("completion_tokens", o.output_tokens);
    integer("preemptions", o.preemptions);
    integer("http_status", o.http_status);
    out += ",\"finish_reason\":";
    AppendJsonString(out, o.finish_reason);
    out += ",\"error\":";
    AppendJsonString(out, o.error);
  }
  out += '}';
  return out;
}

RequestLogWriter::RequestLogWriter(const std::string& path, const RequestLogHeader& header)
    : path_(path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw InputError(fmt::format("cannot write request log '{}'", path));
  nlohmann::json h = {{"kvcache_bench_request_log", kRequestLogVersion},
                      {"tool", header.tool},
                      {"version", ToolVersion()},
                      {"git_commit", GitCommit()},
                      {"created", NowIso8601()}};
  if (header.extra != nullptr && header.extra->is_object()) h.update(*header.extra);
  const std::string line = h.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
}

RequestLogWriter::~RequestLogWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void RequestLogWriter::Write(const Request& r) {
  line_ = RequestToJsonLine(r);
  line_ += '\n';
  std::fwrite(line_.data(), 1, line_.size(), file_);
  ++count_;
}

void RequestLogWriter::Close() {
  if (file_ == nullptr) return;
  const bool bad = std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (bad || close_failed) {
    throw InputError(fmt::format("error writing request log '{}' (disk full?)", path_));
  }
}

// ---------------------------------------------------------------------------------------------
// Reader

namespace {

class RequestLogReader final : public RequestReader {
 public:
  RequestLogReader(const std::string& path, const ReadOptions& options)
      : RequestReader(std::make_unique<ReadIssues>(path, options.strict)), lines_(path) {}

  bool NextInto(Request& out) override {
    std::string_view line;
    while (lines_.Next(line)) {
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      std::string why;
      bool header = false;
      if (lines_.line_number() == 1) {
        header = line.find("\"kvcache_bench_request_log\"") != std::string_view::npos;
        if (!header) {
          issues_->Warn(
              fmt::format("{}: no request-log header line; reading it anyway", lines_.path()));
        }
      }
      if (Parse(line, out, why, header)) {
        if (header) continue;
        return true;
      }
      issues_->Add(lines_.line_number(), why);
    }
    return false;
  }

  TraceInfo info() const override {
    TraceInfo i;
    i.format = TraceFormat::kRequestLog;
    i.block_size = block_size_;
    i.has_conversations = true;
    return i;
  }

 private:
  bool Parse(std::string_view line, Request& out, std::string& why, bool header) {
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
    if (header) {
      int64_t version = 0;
      if (obj["kvcache_bench_request_log"].get_int64().get(version)) {
        return fail("first line is not a request-log header ('kvcache_bench_request_log' missing)");
      }
      if (version != kRequestLogVersion) {
        throw InputError(
            fmt::format("{}:1: request log version {} is not supported (this build "
                        "reads version {})",
                        lines_.path(), version, kRequestLogVersion));
      }
      return true;
    }
    out.block_hashes.clear();
    out.conversation_id.reset();
    out.parent_id.clear();
    out.type.clear();
    out.turn = 0;
    out.outcome.reset();
    out.block_size = 16;  // the default when a producer leaves it out
    bool has_id = false, has_arrival = false, has_in = false, has_hashes = false;
    for (auto field : obj) {
      const std::string_view key = field.key;
      const simdjson::dom::element value = field.value;
      const auto get_num = [&value](double& dst) -> bool {
        if (value.is_null()) {
          dst = -1;
          return true;
        }
        return !value.get_double().get(dst);
      };
      const auto get_int = [&](int64_t& dst) -> bool { return !value.get_int64().get(dst); };
      const auto outcome = [&]() -> RequestOutcome& {
        if (!out.outcome) out.outcome.emplace();
        return *out.outcome;
      };
      bool ok = true;
      if (key == "request_id") {
        std::string_view s;
        ok = !value.get_string().get(s);
        out.request_id.assign(s);
        has_id = ok;
      } else if (key == "arrival_s") {
        ok = !value.get_double().get(out.arrival_s) && std::isfinite(out.arrival_s);
        has_arrival = ok;
      } else if (key == "conversation_id") {
        if (!value.is_null()) {
          int64_t c = 0;
          ok = get_int(c);
          out.conversation_id = c;
        }
      } else if (key == "parent_id") {
        std::string_view s;
        ok = !value.get_string().get(s);
        out.parent_id.assign(s);
      } else if (key == "turn") {
        int64_t t = 0;
        ok = get_int(t) && t >= 0 && t <= INT32_MAX;
        out.turn = static_cast<int32_t>(t);
      } else if (key == "type") {
        std::string_view s;
        ok = !value.get_string().get(s);
        out.type.assign(s);
      } else if (key == "input_tokens") {
        ok = get_int(out.input_tokens) && out.input_tokens >= 0;
        has_in = ok;
      } else if (key == "output_tokens") {
        ok = get_int(out.output_tokens) && out.output_tokens >= 0;
      } else if (key == "block_size") {
        int64_t b = 0;
        ok = get_int(b) && b > 0 && b <= (1 << 20);
        out.block_size = static_cast<uint32_t>(b);
        if (ok) block_size_ = out.block_size;
      } else if (key == "block_hashes") {
        simdjson::dom::array arr;
        ok = !value.get_array().get(arr);
        if (ok) {
          for (auto v : arr) {
            uint64_t h = 0;
            if (v.get_uint64().get(h)) return fail("'block_hashes' holds a non-integer");
            out.block_hashes.push_back(h);
          }
        }
        has_hashes = ok;
      } else if (key == "send_s") {
        ok = get_num(outcome().send_s);
      } else if (key == "scheduled_s") {
        ok = get_num(outcome().scheduled_s);
      } else if (key == "first_token_s") {
        ok = get_num(outcome().first_token_s);
      } else if (key == "finish_s") {
        ok = get_num(outcome().finish_s);
      } else if (key == "ttft_ms") {
        ok = get_num(outcome().ttft_ms);
      } else if (key == "tpot_ms") {
        ok = get_num(outcome().tpot_ms);
      } else if (key == "e2e_ms") {
        ok = get_num(outcome().e2e_ms);
      } else if (key == "itl_ms") {
        simdjson::dom::array arr;
        ok = !value.get_array().get(arr);
        auto& itl = outcome().itl_ms;
        itl.clear();
        if (ok) {
          for (auto v : arr) {
            double d = 0;
            if (v.get_double().get(d)) return fail("'itl_ms' holds a non-number");
            itl.push_back(d);
          }
        }
      } else if (key == "prompt_tokens") {
        ok = get_int(outcome().prompt_tokens);
      } else if (key == "cached_tokens") {
        ok = get_int(outcome().cached_tokens);
      } else if (key == "gpu_hit_tokens") {
        ok = get_int(outcome().gpu_hit_tokens);
      } else if (key == "cpu_hit_tokens") {
        ok = get_int(outcome().cpu_hit_tokens);
      } else if (key == "disk_hit_tokens") {
        ok = get_int(outcome().disk_hit_tokens);
      } else if (key == "computed_tokens") {
        ok = get_int(outcome().computed_tokens);
      } else if (key == "completion_tokens") {
        ok = get_int(outcome().output_tokens);
      } else if (key == "preemptions") {
        int64_t p = 0;
        ok = get_int(p);
        outcome().preemptions = static_cast<int32_t>(p);
      } else if (key == "http_status") {
        int64_t s = 0;
        ok = get_int(s);
        outcome().http_status = static_cast<int32_t>(s);
      } else if (key == "finish_reason" || key == "error") {
        std::string_view s;
        ok = !value.get_string().get(s);
        (key == "error" ? outcome().error : outcome().finish_reason).assign(s);
      }  // unknown fields are allowed (newer producers may add some)
      if (!ok) return fail(fmt::format("field '{}' has the wrong type or an invalid value", key));
    }
    if (!has_id) return fail("missing 'request_id'");
    if (!has_arrival) return fail("missing 'arrival_s'");
    if (!has_in) return fail("missing 'input_tokens'");
    if (!has_hashes) return fail("missing 'block_hashes'");
    return true;
  }

  LineReader lines_;
  simdjson::dom::parser parser_;
  uint32_t block_size_ = 16;
};

}  // namespace

std::unique_ptr<RequestReader> OpenRequestLog(const std::string& path, const ReadOptions& options) {
  return std::make_unique<RequestLogReader>(path, options);
}

}  // namespace kvb
