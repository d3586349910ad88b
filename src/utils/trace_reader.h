// Trace and log readers. Every reader streams: Next() yields one request at a time and an empty
// optional at the end of input, so a 100 GB trace never sits in memory.
//
// Formats (docs/formats.md):
//   mooncake      hash-id JSONL, timestamp in ms, 512-token blocks
//   alibaba       Qwen-Bailian hash-id JSONL (chat_id, parent_chat_id, turn, type), s, 16-token
//   request-log   this project's request log JSONL
//   vllm-log      a vLLM server log written with --enable-log-requests
//   block         one block id per line
//   oracle        libCacheSim oracleGeneral binary (24-byte records)
//   azure         Azure LLM inference CSV (TIMESTAMP,ContextTokens,GeneratedTokens)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "utils/read_issues.h"
#include "utils/request.h"

namespace kvb {

enum class TraceFormat {
  kAuto,
  kMooncake,
  kAlibaba,
  kRequestLog,
  kVllmLog,
  kBlock,
  kOracle,
  kAzure
};

std::string_view FormatName(TraceFormat f);
// Throws InputError listing the valid names.
TraceFormat ParseFormat(std::string_view name);
std::vector<std::string> FormatNames();

struct ReadOptions {
  TraceFormat format = TraceFormat::kAuto;
  bool strict = false;  // first malformed record is fatal
  // Block size for formats that do not carry one: tokens per hash for vLLM logs (hashes are
  // computed from token ids), tokens per block for block/oracle/azure traces. 0: the format's
  // default (16 for vllm-log, 1 for block/oracle, 16 for azure).
  uint32_t block_size = 0;
  // vLLM logs: the --max-log-len the server ran with, if any. Token lists of exactly this length
  // are truncated by vLLM and are reported (and skipped, or fatal with strict).
  std::optional<uint32_t> vllm_max_log_len;
};

struct TraceInfo {
  TraceFormat format = TraceFormat::kAuto;
  uint32_t block_size = 0;  // native block size of the hashes the reader yields
  bool has_conversations = false;
  bool has_timestamps = true;
};

class RequestReader {
 public:
  virtual ~RequestReader() = default;
  // Fills `out` with the next request (reusing its buffers); false at end of input. Malformed
  // records are reported to issues() and skipped (or thrown in strict mode).
  virtual bool NextInto(Request& out) = 0;
  std::optional<Request> Next() {
    Request r;
    if (!NextInto(r)) return std::nullopt;
    return r;
  }
  virtual TraceInfo info() const = 0;
  const ReadIssues& issues() const { return *issues_; }
  ReadIssues& mutable_issues() { return *issues_; }

 protected:
  explicit RequestReader(std::unique_ptr<ReadIssues> issues) : issues_(std::move(issues)) {}
  std::unique_ptr<ReadIssues> issues_;
};

// Looks at the first bytes/lines of the file and names its format; throws InputError when it
// cannot tell (listing what it saw and the valid --format names).
TraceFormat DetectFormat(const std::string& path);

// Opens `path` with the given (or detected) format. Throws InputError for a missing file.
std::unique_ptr<RequestReader> OpenTrace(const std::string& path, const ReadOptions& options);

// Per-format constructors (used by OpenTrace; exposed for tests).
std::unique_ptr<RequestReader> OpenHashIdJsonl(const std::string& path, TraceFormat format,
                                               const ReadOptions& options);
std::unique_ptr<RequestReader> OpenRequestLog(const std::string& path, const ReadOptions& options);
std::unique_ptr<RequestReader> OpenVllmLog(const std::string& path, const ReadOptions& options);
std::unique_ptr<RequestReader> OpenBlockTrace(const std::string& path, const ReadOptions& options);
std::unique_ptr<RequestReader> OpenOracleTrace(const std::string& path, const ReadOptions& options);
std::unique_ptr<RequestReader> OpenAzureCsv(const std::string& path, const ReadOptions& options);

}  // namespace kvb
