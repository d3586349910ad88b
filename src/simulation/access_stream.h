// Turns a request stream into batches of block accesses for the simulator: block-size
// conversion, conversation inference for traces without conversation ids, request categories,
// per-block token counts and (for belady) the index of each access's next use.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "utils/trace_reader.h"

namespace kvb {

struct SimRequest {
  double time_s = 0;
  int64_t conversation_id = -1;
  int32_t turn = 0;
  uint32_t category = 0;
  uint32_t first = 0;  // index of its first access in SimBatch::keys
  uint32_t num_blocks = 0;
  int64_t input_tokens = 0;  // prompt tokens (denominator of the token hit ratio)
};

struct SimBatch {
  std::vector<SimRequest> requests;
  std::vector<uint64_t> keys;      // block ids, request after request
  std::vector<uint32_t> tokens;    // tokens held by each accessed block
  std::vector<uint64_t> next_use;  // global index of the key's next access (if requested)
  uint64_t base_index = 0;         // global index of keys[0]
  size_t size() const { return keys.size(); }
};

struct AccessStreamOptions {
  ReadOptions read;
  uint32_t block_size = 0;  // simulate at this block size (must divide the trace's); 0: native
  // Infer conversation/turn from shared prefixes when the trace has none (docs/policies.md).
  bool infer_conversations = true;
  size_t batch_accesses = 1 << 15;  // small enough to stay in L2 beside the cache index
};

// Facts about the trace gathered while streaming it.
struct TraceSummary {
  std::string path;
  std::string format;
  uint32_t trace_block_size = 0;  // block size of the trace's hashes (first request)
  uint32_t block_size = 0;        // block size simulated
  uint64_t requests = 0;
  uint64_t accesses = 0;
  uint64_t prompt_tokens = 0;
  double first_arrival_s = 0, last_arrival_s = 0;
  bool has_timestamps = true;
  bool conversations_inferred = false;
  uint64_t conversations = 0;
  std::vector<std::string> categories;  // category id -> "type/turn-bucket"
};

class AccessStream {
 public:
  // Opens the trace (throws InputError on a missing file / unknown format).
  AccessStream(const std::string& path, const AccessStreamOptions& options);
  ~AccessStream();

  // Fills `batch` with the next requests (whole requests, about batch_accesses accesses);
  // false at the end of input. next_use is filled only after AttachNextUse.
  bool Next(SimBatch& batch);
  // Supplies next-use indices for every access (from a previous full pass, see ComputeNextUse).
  void AttachNextUse(std::shared_ptr<const std::vector<uint64_t>> next_use) {
    next_use_ = std::move(next_use);
  }
  const TraceSummary& summary() const { return summary_; }
  const RequestReader& reader() const { return *reader_; }

 private:
  uint32_t Category(const Request& r);
  void InferConversation(Request& r);

  AccessStreamOptions options_;
  std::unique_ptr<RequestReader> reader_;
  TraceSummary summary_;
  Request request_;
  std::vector<uint64_t> split_;
  std::shared_ptr<const std::vector<uint64_t>> next_use_;
  uint64_t global_index_ = 0;
  boost::unordered_flat_map<std::string, uint32_t> category_ids_;
  struct Tail {
    int64_t conversation;
    int32_t turn;
  };
  // Last full block of each request -> its conversation and turn (conversation inference).
  boost::unordered_flat_map<uint64_t, Tail> tails_;
  int64_t next_conversation_ = 0;
  bool infer_ = false;
  static constexpr uint32_t kNoCategory = UINT32_MAX;
  uint32_t last_category_ = kNoCategory;
  int32_t last_turn_ = 0;
  std::string last_type_;
};

// First pass for belady: global index of the next access of every access (kNeverAccessed when
// none). Reads the whole trace once; holds 8 bytes per access.
std::shared_ptr<const std::vector<uint64_t>> ComputeNextUse(const std::string& path,
                                                            const AccessStreamOptions& options);

}  // namespace kvb
