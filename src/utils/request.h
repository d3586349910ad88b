// The one request model of the project. Readers produce it, the simulator and the engine consume
// it, the request log stores it (with the outcome filled in by whoever served it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kvb {

// What happened to a request when it was served (by a real server, the emulated server or the
// engine in virtual time). Times are seconds on the run's clock, latencies milliseconds.
struct RequestOutcome {
  double send_s = -1;         // when the client sent it (or the engine admitted it)
  double scheduled_s = -1;    // first scheduled by the engine (-1: unknown)
  double first_token_s = -1;  // first content token arrived
  double finish_s = -1;       // last byte arrived
  double ttft_ms = -1;
  double tpot_ms = -1;  // (e2e - ttft) / (output_tokens - 1)
  double e2e_ms = -1;
  std::vector<double> itl_ms;    // inter-token latencies, may be empty
  int64_t prompt_tokens = -1;    // as reported by the server's usage
  int64_t cached_tokens = -1;    // usage.prompt_tokens_details.cached_tokens
  int64_t gpu_hit_tokens = -1;   // tokens served from the GPU prefix cache
  int64_t cpu_hit_tokens = -1;   // tokens loaded from the LMCache CPU tier
  int64_t disk_hit_tokens = -1;  // tokens loaded from the LMCache disk tier
  int64_t computed_tokens = -1;  // prompt tokens computed (prefilled)
  int64_t output_tokens = -1;    // generated tokens actually received
  int32_t preemptions = 0;
  int32_t http_status = 0;  // 0: not HTTP (virtual time)
  std::string finish_reason;
  std::string error;  // empty on success
};

struct Request {
  std::string request_id;  // as given by the source, or "<line>" when it has none
  double arrival_s = 0;    // seconds since the start of the trace
  std::optional<int64_t> conversation_id;
  std::string parent_id;  // request id of the previous turn, "" when none/unknown
  int32_t turn = 0;       // 1-based turn in its conversation, 0 when unknown
  std::string type;       // request category (Alibaba: text/image/search/file)
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  // Chain of KV block hashes: block_hashes[i] identifies block i AND every token before it
  // (vLLM prefix-caching semantics). The last block may be partial (hash-id traces hash it).
  uint32_t block_size = 16;
  std::vector<uint64_t> block_hashes;
  std::optional<RequestOutcome> outcome;

  // Tokens held by block i: block_size, except a partial last block which holds the rest of the
  // prompt. Blocks past the prompt (inconsistent traces) count 0.
  int64_t TokensInBlock(size_t i) const;
};

}  // namespace kvb
