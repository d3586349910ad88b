#include "utils/trace_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cstring>
#include <filesystem>

#include "utils/byte_source.h"
#include "utils/errors.h"
#include "utils/line_reader.h"

namespace kvb {
namespace {

struct FormatName {
  TraceFormat format;
  const char* name;
};
constexpr std::array<FormatName, 8> kFormatNames = {{
    {TraceFormat::kAuto, "auto"},
    {TraceFormat::kMooncake, "mooncake"},
    {TraceFormat::kAlibaba, "alibaba"},
    {TraceFormat::kRequestLog, "request-log"},
    {TraceFormat::kVllmLog, "vllm-log"},
    {TraceFormat::kBlock, "block"},
    {TraceFormat::kOracle, "oracle"},
    {TraceFormat::kAzure, "azure"},
}};

bool LooksBinary(const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c == 0 || (c < 0x09) || (c > 0x0d && c < 0x20 && c != 0x1b)) return true;
  }
  return false;
}

// "INFO 01-15 10:23:45 " after an optional "(APIServer pid=1) " and colour codes: the prefix of
// every vLLM log line.
bool LooksLikeVllmLogLine(std::string_view line) {
  for (const char* level : {"INFO ", "DEBUG ", "WARNING ", "ERROR "}) {
    const size_t at = line.find(level);
    if (at == std::string_view::npos || at > 64) continue;
    const std::string_view rest = line.substr(at + std::strlen(level));
    // MM-DD HH:MM:SS
    if (rest.size() < 15) continue;
    const char* shape = "00-00 00:00:00";
    bool ok = true;
    for (size_t i = 0; i < 14 && ok; ++i) {
      ok = shape[i] == '0' ? (rest[i] >= '0' && rest[i] <= '9') : rest[i] == shape[i];
    }
    if (ok) return true;
  }
  return false;
}

}  // namespace

std::string_view FormatName(TraceFormat f) {
  for (const auto& fn : kFormatNames) {
    if (fn.format == f) return fn.name;
  }
  return "?";
}

std::vector<std::string> FormatNames() {
  std::vector<std::string> out;
  for (const auto& fn : kFormatNames) out.emplace_back(fn.name);
  return out;
}

TraceFormat ParseFormat(std::string_view name) {
  std::string valid;
  for (const auto& fn : kFormatNames) {
    if (name == fn.name) return fn.format;
    valid += valid.empty() ? fn.name : std::string(", ") + fn.name;
  }
  if (name == "oracleGeneral" || name == "oraclegeneral") return TraceFormat::kOracle;
  if (name == "qwen" || name == "bailian") return TraceFormat::kAlibaba;
  throw InputError(fmt::format("unknown trace format '{}'; valid: {}", name, valid));
}

TraceFormat DetectFormat(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw InputError(fmt::format("input file '{}' does not exist", path));
  }
  if (std::filesystem::is_directory(path)) {
    throw InputError(fmt::format("input '{}' is a directory, expected a trace file", path));
  }
  const std::string name = std::filesystem::path(path).filename().string();
  if (name.find("oracleGeneral") != std::string::npos) return TraceFormat::kOracle;
  {
    ByteSource src(path);
    char head[512];
    const size_t n = src.Read(head, sizeof(head));
    if (n == 0) throw InputError(fmt::format("input file '{}' is empty", path));
    if (LooksBinary(head, n)) return TraceFormat::kOracle;
  }
  // Text: the first meaningful line decides JSON, CSV and block traces; vLLM logs are known by
  // their line prefix ("INFO 01-15 10:23:45 ...") or a request line, which may come after many
  // thousands of start-up lines (debug logging), so those are searched further.
  LineReader lines(path);
  std::string_view line;
  std::string first;
  uint64_t looked = 0;
  while (looked < 50000 && lines.Next(line)) {
    const size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos) continue;
    line.remove_prefix(b);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    ++looked;
    if (line.find("Received request ") != std::string_view::npos ||
        line.find(" details: prompt: ") != std::string_view::npos ||
        line.find("vLLM API server version") != std::string_view::npos ||
        LooksLikeVllmLogLine(line)) {
      return TraceFormat::kVllmLog;
    }
    if (!first.empty()) continue;
    if (line.front() == '#') continue;  // comments in block traces
    first = std::string(line.substr(0, 120));
    if (line.front() == '{') {
      if (line.find("\"kvcache_bench_request_log\"") != std::string_view::npos) {
        return TraceFormat::kRequestLog;
      }
      if (line.find("\"chat_id\"") != std::string_view::npos) return TraceFormat::kAlibaba;
      if (line.find("\"hash_ids\"") != std::string_view::npos) return TraceFormat::kMooncake;
    }
    if (line.starts_with("TIMESTAMP,") || line.find("ContextTokens") != std::string_view::npos) {
      return TraceFormat::kAzure;
    }
    if (line.find_first_not_of("0123456789") == std::string_view::npos) {
      return TraceFormat::kBlock;
    }
  }
  throw InputError(fmt::format(
      "cannot tell the format of '{}' (first line: '{}'); pass --format with one of: {}", path,
      first, fmt::join(FormatNames(), ", ")));
}

std::unique_ptr<RequestReader> OpenTrace(const std::string& path, const ReadOptions& options) {
  const TraceFormat format =
      options.format == TraceFormat::kAuto ? DetectFormat(path) : options.format;
  if (!std::filesystem::exists(path)) {
    throw InputError(fmt::format("input file '{}' does not exist", path));
  }
  switch (format) {
    case TraceFormat::kMooncake:
    case TraceFormat::kAlibaba:
      return OpenHashIdJsonl(path, format, options);
    case TraceFormat::kRequestLog:
      return OpenRequestLog(path, options);
    case TraceFormat::kVllmLog:
      return OpenVllmLog(path, options);
    case TraceFormat::kBlock:
      return OpenBlockTrace(path, options);
    case TraceFormat::kOracle:
      return OpenOracleTrace(path, options);
    case TraceFormat::kAzure:
      return OpenAzureCsv(path, options);
    case TraceFormat::kAuto:
      break;
  }
  throw InputError("internal: unresolved trace format");
}

}  // namespace kvb
