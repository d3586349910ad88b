// Deterministic synthetic multi-turn conversations, configured like vLLM's
// benchmarks/multi_turn generator (num conversations, turns, a shared system prompt, a prefix per
// conversation, user and answer tokens per turn, each a distribution) plus what a cache policy
// needs to tell request types apart: Poisson conversation arrivals, a think time between an
// answer and the next turn, and weighted conversation classes (type "text", "search", "file",
// "image", ...) with their own turn-count, think-time and (optionally) prefix distributions.
//
// Token level: the prompt of turn k+1 is the prompt of turn k + the answer of turn k + new user
// tokens; token ids are uniform in [0, vocab_size) and come from the caller's generator. Block
// hashes are the vLLM-style chain over full blocks (HashTokenBlocks) plus one hash for a
// trailing partial block (PartialBlockHash), so a request has ceil(input_tokens / block_size)
// hashes, as in Mooncake/Alibaba hash-id traces, and turn k+1's hashes start with turn k's
// full-block hashes.
//
// Differences from vLLM's generator: "turns" counts requests (vLLM's num_turns counts user and
// assistant messages, i.e. twice as many); lognormal "average" is exact in distribution (vLLM
// rescales each batch of samples to the average); poisson takes "lambda" (vLLM: "alpha", also
// accepted). All sampling is implemented here (no std:: distributions), so a seed gives the same
// workload with any standard library.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "utils/request.h"

namespace kvb {

// A distribution of non-negative numbers. JSON forms (vLLM's keys):
//   {"distribution": "constant", "value": v}
//   {"distribution": "uniform", "min": a, "max": b}       counts: integers in [a, b]
//   {"distribution": "lognormal", "mean": mu, "sigma": s, "max": m}   mu, s of the normal
//   {"distribution": "lognormal", "average": a, "median_ratio": r, "max": m}   r default 0.85
//   {"distribution": "zipf", "alpha": a, "max": m}         a > 1, values 1, 2, ...
//   {"distribution": "poisson", "lambda": l, "max": m}
// "max" is optional everywhere but uniform and caps the samples (absent or 0: no cap).
struct Distribution {
  enum class Kind { kConstant, kUniform, kLognormal, kZipf, kPoisson };

  Kind kind = Kind::kConstant;
  double value = 0;         // constant
  double min = 0;           // uniform
  double max = 0;           // uniform: upper bound; the others: cap when > 0
  double mu = 0;            // lognormal: mean of the underlying normal
  double sigma = 0;         // lognormal: its standard deviation
  double average = 0;       // lognormal given by its mean (> 0), else mu/sigma are used
  double median_ratio = 0;  // lognormal by average: median / mean, in (0, 1)
  double alpha = 0;         // zipf exponent
  double lambda = 0;        // poisson mean

  static Distribution Constant(double value);
  static Distribution Uniform(double min, double max);
  static Distribution Lognormal(double mu, double sigma, double max = 0);
  static Distribution LognormalAverage(double average, double max = 0, double median_ratio = 0.85);
  static Distribution Zipf(double alpha, double max = 0);
  static Distribution Poisson(double lambda, double max = 0);

  // A real-valued sample (uniform is continuous); for times.
  double Sample(std::mt19937_64& rng) const;
  // A count: uniform over the integers in [min, max], the others rounded; never negative.
  int64_t SampleCount(std::mt19937_64& rng) const;
};

struct ConversationClass {
  std::string type = "text";                              // Request::type of its requests
  double weight = 1;                                      // relative share of conversations, > 0
  Distribution turns = Distribution::Constant(1);         // requests per conversation (>= 1)
  Distribution think_time_s = Distribution::Constant(0);  // answer end -> next turn
  std::optional<Distribution> prefix_tokens;              // overrides MultiTurnSpec::prefix_tokens
};

// The default is a small illustrative mix (not fitted to a trace): chatty "text" conversations
// with short think times, mostly short "search" ones, long-document "file" ones with long think
// times, single-turn "image" requests.
struct MultiTurnSpec {
  uint64_t num_conversations = 64;
  double arrival_rate_per_s = 0.5;  // Poisson arrivals of new conversations
  uint32_t block_size = 16;         // tokens per KV block
  uint32_t vocab_size = 32000;      // token ids are uniform in [0, vocab_size)
  // Estimated answer time: answer_tokens * decode_s_per_token (the next turn can only be typed
  // once the answer is there).
  double decode_s_per_token = 0.02;
  Distribution system_prompt_tokens = Distribution::Constant(256);         // sampled once, shared
  Distribution prefix_tokens = Distribution::LognormalAverage(800, 4000);  // per conversation
  Distribution user_tokens = Distribution::Uniform(40, 200);               // per turn, >= 1
  Distribution answer_tokens = Distribution::Uniform(50, 400);             // per turn, >= 1
  std::vector<ConversationClass> classes = DefaultClasses();

  static std::vector<ConversationClass> DefaultClasses();
};

// Parses a spec from a JSON object; absent keys keep their defaults, "classes" (when present)
// replaces the default classes. Throws InputError naming the key path (prefixed by `where`) on
// an unknown key, a wrong type or an invalid value.
MultiTurnSpec ParseMultiTurnSpec(const nlohmann::json& j, std::string_view where = "multi_turn");
// The effective spec, in the form ParseMultiTurnSpec reads (for result headers).
nlohmann::json MultiTurnSpecToJson(const MultiTurnSpec& spec);
// Throws InputError when a field is out of range (ParseMultiTurnSpec calls it).
void ValidateMultiTurnSpec(const MultiTurnSpec& spec, std::string_view where = "multi_turn");

// Generates every turn of every conversation, sorted by arrival_s (stable: ties keep generation
// order). Conversation c (0-based, arriving in order) has conversation_id c, requests
// "conv<c>-turn<k>" (k 1-based) and parent_id the previous turn's request_id. Uses only `rng`;
// the same spec and generator state give the same requests.
std::vector<Request> GenerateMultiTurn(const MultiTurnSpec& spec, std::mt19937_64& rng);

// Identity of a trailing partial block: covers `parent` (the last full block's hash, or
// kRootBlockHash) and the exact partial tokens, so it only matches the same partial content.
uint64_t PartialBlockHash(uint64_t parent, std::span<const uint32_t> tokens);

}  // namespace kvb
