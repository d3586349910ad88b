#include "simulation/access_stream.h"

#include <fmt/format.h>

#include <algorithm>

#include "simulation/eviction_policy.h"
#include "utils/block_hash.h"
#include "utils/errors.h"

namespace kvb {
namespace {

// Turns beyond this share one category: late turns behave alike and categories stay few.
constexpr int32_t kMaxTurnBucket = 8;

}  // namespace

AccessStream::AccessStream(const std::string& path, const AccessStreamOptions& options)
    : options_(options), reader_(OpenTrace(path, options.read)) {
  const TraceInfo info = reader_->info();
  summary_.path = path;
  summary_.format = std::string(FormatName(info.format));
  summary_.has_timestamps = info.has_timestamps;
  // Block traces have no prompts to chain, and Azure prompts are all unique: nothing to infer.
  infer_ = options.infer_conversations && info.format != TraceFormat::kBlock &&
           info.format != TraceFormat::kOracle && info.format != TraceFormat::kAzure;
}

AccessStream::~AccessStream() = default;

uint32_t AccessStream::Category(const Request& r) {
  // Consecutive requests mostly share a category: skip the string work then.
  if (last_category_ != kNoCategory && r.turn == last_turn_ && r.type == last_type_) {
    return last_category_;
  }
  last_turn_ = r.turn;
  last_type_ = r.type;
  std::string key = r.type.empty() ? "-" : r.type;
  key += '/';
  key += r.turn >= kMaxTurnBucket ? fmt::format("{}+", kMaxTurnBucket) : std::to_string(r.turn);
  auto [it, inserted] = category_ids_.try_emplace(key, static_cast<uint32_t>(category_ids_.size()));
  if (inserted) summary_.categories.push_back(key);
  last_category_ = it->second;
  return it->second;
}

// A request continues the conversation of the latest earlier request whose prompt (full blocks)
// is a prefix of its own: with chained hashes, request P is a prefix of R iff R's block at P's
// last full block position has P's hash. The deepest such match wins. A match on the first block
// alone does not count (a shared system prompt would chain unrelated requests).
void AccessStream::InferConversation(Request& r) {
  const size_t full =
      std::min<size_t>(r.block_hashes.size(),
                       static_cast<size_t>(r.input_tokens / std::max<uint32_t>(1, r.block_size)));
  bool found = false;
  Tail parent{};
  for (size_t j = full; j-- > 1;) {
    if (auto it = tails_.find(r.block_hashes[j]); it != tails_.end()) {
      parent = it->second;
      found = true;
      break;
    }
  }
  if (found) {
    r.conversation_id = parent.conversation;
    r.turn = parent.turn + 1;
  } else {
    r.conversation_id = next_conversation_++;
    r.turn = 1;
    ++summary_.conversations;
  }
  if (full >= 1) tails_[r.block_hashes[full - 1]] = {*r.conversation_id, r.turn};
}

bool AccessStream::Next(SimBatch& batch) {
  batch.requests.clear();
  batch.keys.clear();
  batch.tokens.clear();
  batch.next_use.clear();
  batch.base_index = global_index_;
  while (batch.keys.size() < options_.batch_accesses && reader_->NextInto(request_)) {
    Request& r = request_;
    const uint32_t trace_bs = std::max<uint32_t>(1, r.block_size);
    if (summary_.requests == 0) {
      summary_.trace_block_size = trace_bs;
      summary_.block_size = options_.block_size == 0 ? trace_bs : options_.block_size;
      summary_.first_arrival_s = r.arrival_s;
    }
    const uint32_t bs = summary_.block_size;
    if (trace_bs % bs != 0) {
      throw InputError(fmt::format(
          "--block-size {} does not divide the trace's block size {} (request '{}'); use a "
          "divisor of {}",
          bs, trace_bs, r.request_id, trace_bs));
    }
    if (!r.conversation_id && infer_) {
      InferConversation(r);
      summary_.conversations_inferred = true;
    }
    const size_t first = batch.keys.size();
    const int64_t last_tokens =
        r.block_hashes.empty()
            ? 0
            : std::clamp<int64_t>(
                  r.input_tokens - static_cast<int64_t>(r.block_hashes.size() - 1) * trace_bs, 0,
                  trace_bs);
    SplitBlocks(r.block_hashes, trace_bs, bs, last_tokens, batch.keys);
    const size_t n = batch.keys.size() - first;
    for (size_t j = 0; j < n; ++j) {
      batch.tokens.push_back(static_cast<uint32_t>(
          std::clamp<int64_t>(r.input_tokens - static_cast<int64_t>(j) * bs, 0, bs)));
    }
    SimRequest sr;
    sr.time_s = r.arrival_s;
    sr.conversation_id = r.conversation_id.value_or(-1);
    sr.turn = r.turn;
    sr.category = Category(r);
    sr.first = static_cast<uint32_t>(first);
    sr.num_blocks = static_cast<uint32_t>(n);
    sr.input_tokens = r.input_tokens;
    batch.requests.push_back(sr);
    ++summary_.requests;
    summary_.accesses += n;
    summary_.prompt_tokens += static_cast<uint64_t>(r.input_tokens);
    summary_.last_arrival_s = std::max(summary_.last_arrival_s, r.arrival_s);
  }
  global_index_ += batch.keys.size();
  if (next_use_) {
    if (global_index_ > next_use_->size()) {
      throw InputError(
          fmt::format("'{}' changed while it was being read (second pass longer "
                      "than the first)",
                      summary_.path));
    }
    batch.next_use.assign(next_use_->begin() + static_cast<ptrdiff_t>(batch.base_index),
                          next_use_->begin() + static_cast<ptrdiff_t>(global_index_));
  }
  return !batch.requests.empty();
}

std::shared_ptr<const std::vector<uint64_t>> ComputeNextUse(const std::string& path,
                                                            const AccessStreamOptions& options) {
  AccessStream stream(path, options);
  auto next = std::make_shared<std::vector<uint64_t>>();
  boost::unordered_flat_map<uint64_t, uint64_t> last_seen;
  SimBatch batch;
  while (stream.Next(batch)) {
    for (size_t i = 0; i < batch.size(); ++i) {
      const uint64_t index = batch.base_index + i;
      next->push_back(kNeverAccessed);
      auto [it, inserted] = last_seen.try_emplace(batch.keys[i], index);
      if (!inserted) {
        (*next)[it->second] = index;
        it->second = index;
      }
    }
  }
  return next;
}

}  // namespace kvb
