// vLLM server logs written with --enable-log-requests (docs/formats.md, "vllm-log"). Two layouts:
//  - up to 0.11.0, one INFO line per request holds everything:
//      INFO 10-01 18:43:27 logger.py:36] Received request ID: prompt: '...', params:
//      SamplingParams(...), prompt_token_ids: [...], lora_request: None, ...
//  - from 0.11.1, the INFO line holds the params only and a DEBUG line (logged just before it,
//    only with VLLM_LOGGING_LEVEL=DEBUG) holds the token ids; the two are paired by request id:
//      DEBUG 03-15 20:57:25 [logger.py:39] Request ID details: prompt: '...', prompt_token_ids:
//      [...], prompt_embeds shape: None.
//      INFO 03-15 20:57:25 [logger.py:39] Received request ID: params: SamplingParams(...), ...
// Lines may carry ANSI colours, a "(APIServer pid=N) " tag or a VLLM_LOGGING_PREFIX before the
// level; everything that is not a request line is ignored.
#include <fmt/format.h>

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <map>

#include "utils/block_hash.h"
#include "utils/line_reader.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

constexpr uint32_t kDefaultBlockSize = 16;
// Requests waiting for the other half of their INFO/DEBUG pair. vLLM logs both halves back to
// back, so only interleaving API-server processes keep a few apart; past the cap the oldest is
// reported, which bounds memory on a log that lacks one kind of line entirely.
constexpr size_t kMaxPending = 4096;
// The header (prefix, level, timestamp, file:line) must end within this many bytes.
constexpr size_t kMaxHeaderBytes = 1024;

constexpr std::string_view kReceived = "Received request ";
constexpr std::string_view kRequest = "Request ";
constexpr std::string_view kDetails = " details: prompt: ";
constexpr std::string_view kOldPrompt = ": prompt: ";
constexpr std::string_view kParams = ": params: ";
constexpr std::string_view kParamsAfterPrompt = ", params: ";
constexpr std::string_view kTokenIds = ", prompt_token_ids: ";
constexpr std::string_view kMaxTokens = "max_tokens=";

// The log has no year. Every year is taken as a leap year so that 02-29 parses; a log that
// crosses 02-28 -> 03-01 of a common year therefore shows one extra day (docs/formats.md).
constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kYearSeconds = 366 * kSecondsPerDay;
constexpr int64_t kHalfYearSeconds = kYearSeconds / 2;
constexpr int kDaysInMonth[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
constexpr int kDaysBeforeMonth[12] = {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335};

// Lets the pending map be searched with a string_view without building a string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
int TwoDigits(std::string_view s, size_t i) { return (s[i] - '0') * 10 + (s[i + 1] - '0'); }

// "MM-DD HH:MM:SS" at `i` (already checked for shape) -> seconds since Jan 1 00:00:00, or -1
// when a field is out of range.
int64_t SecondOfYear(std::string_view s, size_t i) {
  const int month = TwoDigits(s, i), day = TwoDigits(s, i + 3);
  const int hour = TwoDigits(s, i + 6), minute = TwoDigits(s, i + 9), second = TwoDigits(s, i + 12);
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1] || hour > 23 ||
      minute > 59 || second > 59) {
    return -1;
  }
  return (kDaysBeforeMonth[month - 1] + day - 1) * kSecondsPerDay + hour * 3600 + minute * 60 +
         second;
}

bool LooksLikeTimestamp(std::string_view s, size_t i) {
  // MM-DD HH:MM:SS
  if (i + 14 > s.size()) return false;
  static constexpr char kShape[] = "dd-dd dd:dd:dd";
  for (size_t k = 0; k < 14; ++k) {
    if (kShape[k] == 'd' ? !IsDigit(s[i + k]) : s[i + k] != kShape[k]) return false;
  }
  return true;
}

bool EndsWithLevel(std::string_view s, size_t end) {
  for (std::string_view level : {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}) {
    if (end >= level.size() && s.substr(end - level.size(), level.size()) == level) return true;
  }
  return false;
}

struct Header {
  int64_t second_of_year = 0;
  size_t message_begin = 0;
};

// Finds "LEVEL MM-DD HH:MM:SS " then "[file:line] " (0.11+) or "file:line] " (older). Whatever
// comes before the level (a process tag, VLLM_LOGGING_PREFIX) is skipped.
bool ParseHeader(std::string_view line, Header& h) {
  const size_t limit = std::min(line.size(), kMaxHeaderBytes);
  for (size_t i = 1; i + 14 < limit; ++i) {
    if (line[i - 1] != ' ' || !IsDigit(line[i]) || !LooksLikeTimestamp(line, i)) continue;
    if (!EndsWithLevel(line, i - 1) || line[i + 14] != ' ') continue;
    const size_t close = line.find("] ", i + 15);
    if (close == std::string_view::npos || close >= limit) return false;
    h.second_of_year = SecondOfYear(line, i);
    h.message_begin = close + 2;
    return true;
  }
  return false;
}

// Removes ANSI escape sequences (CSI: ESC '[' params final-byte). A Python repr never holds a raw
// ESC (it prints \x1b), so this cannot alter a prompt or the token list.
void StripAnsi(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\x1b') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 1 < in.size() && in[i + 1] == '[') {
      size_t j = i + 2;
      while (j < in.size() && !(in[j] >= 0x40 && in[j] <= 0x7e)) ++j;
      i = j;  // the final byte (or the end)
    }
  }
}

// End (one past the closing quote) of the Python repr at the start of `s`: a quoted string with
// backslash escapes, or None. Returns npos with `why` set when it is neither or is not closed.
size_t ReprEnd(std::string_view s, std::string& why) {
  if (s.starts_with("None")) return 4;
  if (s.empty() || (s[0] != '\'' && s[0] != '"')) {
    why = "the prompt is neither a quoted string nor None";
    return std::string_view::npos;
  }
  const char quote = s[0];
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == quote) {
      return i + 1;
    }
  }
  why = "the prompt string is not closed (cut line?)";
  return std::string_view::npos;
}

// Finds max_tokens=<int|None> in a params repr, skipping quoted strings (stop words may hold any
// text). Returns false with `why` set when it is missing or not an integer.
bool FindMaxTokens(std::string_view params, int64_t& max_tokens, std::string& why) {
  char quote = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const char c = params[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (c != 'm' || (i > 0 && params[i - 1] != ' ' && params[i - 1] != '(') ||
        params.compare(i, kMaxTokens.size(), kMaxTokens) != 0) {
      continue;
    }
    std::string_view v = params.substr(i + kMaxTokens.size());
    if (v.starts_with("None")) {
      max_tokens = 0;
      return true;
    }
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), max_tokens);
    if (ec != std::errc() || max_tokens < 0 ||
        (end != v.data() + v.size() && *end != ',' && *end != ')')) {
      const size_t n = std::min<size_t>(v.find_first_of(",)"), 20);
      why = fmt::format("max_tokens is not a non-negative integer or None: '{}'", v.substr(0, n));
      return false;
    }
    return true;
  }
  why = "max_tokens missing in params";
  return false;
}

// Parses "[1, 2, 3]..." into `tokens`.
bool ParseTokenList(std::string_view s, std::vector<uint32_t>& tokens, std::string& why) {
  tokens.clear();
  if (s.starts_with("None")) {
    why = "prompt_token_ids is None: the log holds no token ids for this request";
    return false;
  }
  if (s.empty() || s[0] != '[') {
    why = "prompt_token_ids is not a list";
    return false;
  }
  const char* p = s.data() + 1;
  const char* const end = s.data() + s.size();
  while (p < end && *p == ' ') ++p;
  if (p < end && *p == ']') return true;
  while (true) {
    uint64_t id = 0;
    const auto [next, ec] = std::from_chars(p, end, id);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc() && id > std::numeric_limits<uint32_t>::max())) {
      why = fmt::format("token id {} in prompt_token_ids is out of range (max 2^32-1)",
                        std::string_view(p, std::min<size_t>(next - p, 24)));
      return false;
    }
    if (ec != std::errc()) {
      if (p == end) {
        why = "the prompt_token_ids list is not closed (cut line?)";
      } else {
        why = fmt::format("bad token id '{}' in prompt_token_ids (entry {})",
                          std::string_view(p, std::min<size_t>(end - p, 12)), tokens.size() + 1);
      }
      return false;
    }
    tokens.push_back(static_cast<uint32_t>(id));
    p = next;
    while (p < end && *p == ' ') ++p;
    if (p == end) {
      why = "the prompt_token_ids list is not closed (cut line?)";
      return false;
    }
    if (*p == ']') return true;
    if (*p != ',') {
      why = fmt::format("bad token id '{}' in prompt_token_ids (entry {})",
                        std::string_view(next, std::min<size_t>(end - next, 12)), tokens.size());
      return false;
    }
    ++p;
    while (p < end && *p == ' ') ++p;
  }
}

// Locates the token list after the prompt repr that ends at `prompt_end`: the LAST
// ", prompt_token_ids: " of the line, which must lie after the prompt (a prompt may quote that
// text, the list always follows it).
bool TokenListAfter(std::string_view body, size_t prompt_end, std::vector<uint32_t>& tokens,
                    size_t& marker, std::string& why) {
  marker = body.rfind(kTokenIds);
  if (marker == std::string_view::npos || marker < prompt_end) {
    why = "prompt_token_ids missing (cut line?)";
    return false;
  }
  return ParseTokenList(body.substr(marker + kTokenIds.size()), tokens, why);
}

class VllmLogReader final : public RequestReader {
 public:
  VllmLogReader(const std::string& path, const ReadOptions& options)
      : RequestReader(std::make_unique<ReadIssues>(path, options.strict)),
        lines_(path),
        block_size_(options.block_size > 0 ? options.block_size : kDefaultBlockSize),
        max_log_len_(options.vllm_max_log_len) {}

  bool NextInto(Request& out) override {
    std::string_view raw;
    while (lines_.Next(raw)) {
      std::string_view line = raw;
      if (std::memchr(raw.data(), '\x1b', raw.size()) != nullptr) {
        StripAnsi(raw, stripped_);
        line = stripped_;
      }
      Header h;
      if (!ParseHeader(line, h)) {
        if (line.find(kReceived) != std::string_view::npos ||
            line.find(kDetails) != std::string_view::npos) {
          issues_->Add(lines_.line_number(),
                       "vLLM request line without a 'LEVEL MM-DD HH:MM:SS [file:line]' header");
        }
        continue;
      }
      const std::string_view msg = line.substr(h.message_begin);
      bool ready = false;
      std::string why;
      bool ok = true;
      if (msg.starts_with(kReceived)) {
        ok = OnReceived(msg.substr(kReceived.size()), h, out, ready, why);
      } else if (msg.starts_with(kRequest) && msg.find(kDetails) != std::string_view::npos) {
        ok = OnDetails(msg, h, out, ready, why);
      } else {
        continue;  // some other log line
      }
      if (!ok) issues_->Add(lines_.line_number(), why);
      if (ready) return true;
    }
    Finish();
    return false;
  }

  TraceInfo info() const override {
    TraceInfo i;
    i.format = TraceFormat::kVllmLog;
    i.block_size = block_size_;
    i.has_conversations = false;
    i.has_timestamps = true;
    return i;
  }

 private:
  struct Pending {
    uint64_t seq = 0;
    uint64_t line = 0;  // of the first half seen
    bool has_info = false;
    bool has_details = false;
    bool dropped = false;  // this half was malformed or truncated, and reported
    int64_t info_second = 0;
    int64_t output_tokens = 0;
    int64_t input_tokens = 0;
    std::vector<uint64_t> hashes;
  };

  // Seconds on a continuous clock: a jump back by more than half a year is New Year's Eve.
  int64_t Continuous(int64_t second_of_year) {
    if (!have_last_) {
      have_last_ = true;
      last_second_of_year_ = second_of_year;
    } else if (second_of_year + kHalfYearSeconds < last_second_of_year_) {
      year_offset_ += kYearSeconds;
      last_second_of_year_ = second_of_year;
    } else if (second_of_year > last_second_of_year_ + kHalfYearSeconds) {
      return second_of_year + year_offset_ - kYearSeconds;  // a straggler from the old year
    } else {
      last_second_of_year_ = std::max(last_second_of_year_, second_of_year);
    }
    return second_of_year + year_offset_;
  }

  double ArrivalS(int64_t second) {
    if (!have_base_) {
      have_base_ = true;
      base_second_ = second;
    }
    // Lines of several API-server processes interleave within a second or so; a request logged
    // before the first one counts as arriving with it.
    return static_cast<double>(std::max<int64_t>(0, second - base_second_));
  }

  void Fill(Request& out, std::string_view id, int64_t second, int64_t output_tokens,
            int64_t input_tokens) {
    out.request_id.assign(id);
    out.arrival_s = ArrivalS(second);
    out.conversation_id.reset();
    out.parent_id.clear();
    out.turn = 0;
    out.type.clear();
    out.input_tokens = input_tokens;
    out.output_tokens = output_tokens;
    out.block_size = block_size_;
    out.outcome.reset();
  }

  // Length bookkeeping and the --vllm-max-log-len check. False: the list is truncated (reported).
  bool CheckLength(std::string_view id) {
    const size_t n = tokens_.size();
    if (max_log_len_ && n == *max_log_len_) {
      issues_->Add(lines_.line_number(),
                   fmt::format("request {}: prompt_token_ids has exactly {} ids, the "
                               "--vllm-max-log-len: vLLM's --max-log-len cut the list, so the "
                               "prompt's blocks are unknown; request skipped",
                               id, n));
      return false;
    }
    ++lists_;
    if (n > longest_) {
      longest_ = n;
      at_longest_ = 0;
    }
    if (n == longest_) ++at_longest_;
    return true;
  }

  bool OnReceived(std::string_view rest, const Header& h, Request& out, bool& ready,
                  std::string& why) {
    if (h.second_of_year < 0) {
      why = "bad timestamp (expected MM-DD HH:MM:SS)";
      return false;
    }
    const size_t at_prompt = rest.find(kOldPrompt);
    const size_t at_params = rest.find(kParams);
    if (at_prompt == std::string_view::npos && at_params == std::string_view::npos) {
      why = "'Received request' line has neither 'prompt:' nor 'params:' (cut line?)";
      return false;
    }
    const bool old_layout = at_prompt < at_params;  // npos is the largest value
    const std::string_view id = rest.substr(0, old_layout ? at_prompt : at_params);
    if (id.empty()) {
      why = "empty request id";
      return false;
    }
    int64_t max_tokens = 0;
    if (!old_layout) {
      // 0.11.1+: token ids come in the DEBUG details line.
      const bool ok = FindMaxTokens(rest.substr(at_params + kParams.size()), max_tokens, why);
      const int64_t second = Continuous(h.second_of_year);
      if (ok) ArrivalS(second);  // the first request names time 0 even if its pair comes later
      auto it = pending_.find(id);
      if (it != pending_.end() && it->second.has_details) {
        Pending& p = it->second;
        if (ok && !p.dropped) {
          Fill(out, id, second, max_tokens, p.input_tokens);
          out.block_hashes.assign(p.hashes.begin(), p.hashes.end());
          ready = true;
        }
        Erase(it);
        return ok;
      }
      if (it != pending_.end()) {
        ReportPending(id, it->second, "");  // a second INFO line for the same id
        Erase(it);
      }
      Pending& p = Insert(id);
      p.has_info = true;
      p.dropped = !ok;  // reported by the caller; the details line is then dropped silently
      p.info_second = second;
      p.output_tokens = max_tokens;
      return ok;
    }
    const std::string_view body = rest.substr(at_prompt + kOldPrompt.size());
    const size_t prompt_end = ReprEnd(body, why);
    if (prompt_end == std::string_view::npos) return false;
    if (body.compare(prompt_end, kParamsAfterPrompt.size(), kParamsAfterPrompt) != 0) {
      why = "expected ', params: ' after the prompt";
      return false;
    }
    size_t marker = 0;
    if (!TokenListAfter(body, prompt_end, tokens_, marker, why)) return false;
    const size_t params_begin = prompt_end + kParamsAfterPrompt.size();
    if (!FindMaxTokens(body.substr(params_begin, marker - params_begin), max_tokens, why)) {
      return false;
    }
    const int64_t second = Continuous(h.second_of_year);
    ArrivalS(second);  // a cut first request still names time 0, as in the 0.11.1+ layout
    if (!CheckLength(id)) return true;
    Fill(out, id, second, max_tokens, static_cast<int64_t>(tokens_.size()));
    out.block_hashes.clear();
    HashTokenBlocks(tokens_, block_size_, out.block_hashes);
    ready = true;
    return true;
  }

  bool OnDetails(std::string_view msg, const Header& h, Request& out, bool& ready,
                 std::string& why) {
    if (h.second_of_year < 0) {
      why = "bad timestamp (expected MM-DD HH:MM:SS)";
      return false;
    }
    const size_t at = msg.find(kDetails);
    const std::string_view id = msg.substr(kRequest.size(), at - kRequest.size());
    if (id.empty()) {
      why = "empty request id";
      return false;
    }
    const std::string_view body = msg.substr(at + kDetails.size());
    const size_t prompt_end = ReprEnd(body, why);
    size_t marker = 0;
    const bool ok = prompt_end != std::string_view::npos &&
                    TokenListAfter(body, prompt_end, tokens_, marker, why);
    Continuous(h.second_of_year);
    const bool kept = ok && CheckLength(id);
    auto it = pending_.find(id);
    if (it != pending_.end() && it->second.has_info) {
      Pending& p = it->second;
      if (kept && !p.dropped) {
        Fill(out, id, p.info_second, p.output_tokens, static_cast<int64_t>(tokens_.size()));
        out.block_hashes.clear();
        HashTokenBlocks(tokens_, block_size_, out.block_hashes);
        ready = true;
      }
      Erase(it);
      return ok;
    }
    if (it != pending_.end()) {
      ReportPending(id, it->second, "");  // a second details line for the same id
      Erase(it);
    }
    Pending& p = Insert(id);
    p.has_details = true;
    p.dropped = !kept;  // reported already; the INFO line is then dropped silently
    p.input_tokens = static_cast<int64_t>(tokens_.size());
    if (kept) HashTokenBlocks(tokens_, block_size_, p.hashes);
    return ok;
  }

  Pending& Insert(std::string_view id) {
    const uint64_t seq = next_seq_++;
    auto [it, inserted] = pending_.try_emplace(std::string(id));
    Pending& p = it->second;
    p.seq = seq;
    p.line = lines_.line_number();
    if (!spare_.empty()) {
      p.hashes = std::move(spare_.back());
      spare_.pop_back();
      p.hashes.clear();
    }
    order_.emplace(seq, it->first);
    if (pending_.size() > kMaxPending) {
      // Evict the oldest; `p` stays valid only until the map rehashes, so find it again.
      const std::string oldest = order_.begin()->second;
      auto old = pending_.find(oldest);
      ReportPending(
          oldest, old->second,
          fmt::format(" (more than {} requests were waiting for their pair)", kMaxPending));
      Erase(old);
      return pending_.find(id)->second;
    }
    return p;
  }

  template <typename It>
  void Erase(It it) {
    order_.erase(it->second.seq);
    if (it->second.hashes.capacity() > 0) spare_.push_back(std::move(it->second.hashes));
    pending_.erase(it);
  }

  // Reports a request whose other half never came; a half that was itself malformed (or cut by
  // --max-log-len) has been reported already.
  void ReportPending(std::string_view id, const Pending& p, const std::string& note) {
    if (p.dropped) return;
    if (p.has_info) {
      issues_->Add(p.line, fmt::format("'Received request {}' has no prompt_token_ids and no "
                                       "matching 'Request {} details' line{}: vLLM 0.11.1+ logs "
                                       "token ids only at DEBUG level; run the server with "
                                       "VLLM_LOGGING_LEVEL=DEBUG",
                                       id, id, note));
    } else {
      issues_->Add(p.line, fmt::format("'Request {} details' line has no matching 'Received "
                                       "request {}' line{}",
                                       id, id, note));
    }
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    while (!order_.empty()) {
      auto it = pending_.find(order_.begin()->second);
      ReportPending(it->first, it->second, "");
      Erase(it);
    }
    if (!max_log_len_ && lists_ >= 3 && at_longest_ >= 3 && at_longest_ * 10 >= lists_) {
      issues_->Warn(fmt::format(
          "{}: {} of {} prompt_token_ids lists have exactly {} ids, the longest length seen: they "
          "look truncated at {} tokens by vLLM's --max-log-len, and hit ratios computed from them "
          "are wrong. Rerun the server without --max-log-len, or pass --vllm-max-log-len {} to "
          "skip the cut requests (ignore this if those prompts really are {} tokens long)",
          lines_.path(), at_longest_, lists_, longest_, longest_, longest_, longest_));
    }
  }

  LineReader lines_;
  uint32_t block_size_;
  std::optional<uint32_t> max_log_len_;
  std::string stripped_;
  std::vector<uint32_t> tokens_;
  boost::unordered_flat_map<std::string, Pending, StringHash, std::equal_to<>> pending_;
  std::map<uint64_t, std::string> order_;  // pending ids by arrival, oldest first
  std::vector<std::vector<uint64_t>> spare_;
  uint64_t next_seq_ = 0;
  // Clock.
  bool have_last_ = false, have_base_ = false;
  int64_t last_second_of_year_ = 0, year_offset_ = 0, base_second_ = 0;
  // Truncation detection.
  uint64_t lists_ = 0, at_longest_ = 0;
  size_t longest_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<RequestReader> OpenVllmLog(const std::string& path, const ReadOptions& options) {
  return std::make_unique<VllmLogReader>(path, options);
}

}  // namespace kvb
