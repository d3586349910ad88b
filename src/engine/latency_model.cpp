#include "engine/latency_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>

#include "utils/errors.h"

namespace kvb {

double StepBreakdown::TotalSeconds() const {
  return std::max(compute_s, memory_s) + overhead_s + comm_s;
}

RooflineLatencyModel::RooflineLatencyModel(const ModelSpec& model, const GpuSpec& gpu,
                                           LatencyParams params, int tensor_parallel)
    : model_(model), gpu_(gpu), params_(params), tp_(tensor_parallel) {
  if (tp_ < 1) {
    throw InputError(fmt::format("tensor_parallel must be at least 1, got {}", tp_));
  }
  if (model_.num_attention_heads % tp_ != 0) {
    throw InputError(fmt::format("tensor_parallel {} does not divide the {} attention heads of {}",
                                 tp_, model_.num_attention_heads, model_.name));
  }
  embedding_params_ =
      static_cast<double>(model_.vocab_size) * static_cast<double>(model_.hidden_size);
  body_params_ = model_.params - 2 * embedding_params_;
  if (body_params_ <= 0) {
    // A spec whose vocabulary dominates its parameter count (or a tied tiny model): count all
    // parameters as linear layers rather than a negative number.
    body_params_ = model_.params;
    embedding_params_ = 0;
  }
}

RooflineLatencyModel::RooflineLatencyModel(const ModelSpec& model, const GpuSpec& gpu,
                                           int tensor_parallel)
    : RooflineLatencyModel(model, gpu, gpu.latency, tensor_parallel) {}

StepBreakdown RooflineLatencyModel::Breakdown(const StepShape& step) const {
  double total_new = 0;     // T
  double sequences = 0;     // S
  double query_keys = 0;    // sum of causal query-key pairs
  double kv_tokens_io = 0;  // KV tokens read (context + new) plus written (new)
  for (const SeqWork& s : step.seqs) {
    assert(s.new_tokens >= 0 && s.context_tokens >= 0);
    if (s.new_tokens <= 0) continue;
    const double n = static_cast<double>(s.new_tokens);
    const double c = static_cast<double>(s.context_tokens);
    total_new += n;
    sequences += 1;
    query_keys += n * c + n * (n + 1) / 2;
    kv_tokens_io += c + 2 * n;
  }
  StepBreakdown b;
  if (total_new == 0) return b;

  const double tp = tp_;
  const double layers = static_cast<double>(model_.num_layers);
  const double dtype_bytes = model_.DtypeBytes();
  const double linear_flops = 2 * body_params_ * total_new + 2 * embedding_params_ * sequences;
  const double attention_flops = 4 * layers * static_cast<double>(model_.num_attention_heads) *
                                 static_cast<double>(model_.head_dim) * query_keys;
  b.flops = (linear_flops + attention_flops) / tp;

  const double weight_bytes = (body_params_ + embedding_params_) * dtype_bytes;
  const double kv_shards = std::min<double>(tp, static_cast<double>(model_.num_kv_heads));
  b.bytes = weight_bytes / tp + model_.KvBytesPerToken() * kv_tokens_io / kv_shards;

  b.compute_s = b.flops / (gpu_.peak_bf16_flops * params_.mfu);
  b.memory_s = b.bytes / (gpu_.hbm_bandwidth_bytes_per_s * params_.bandwidth_efficiency);
  b.overhead_s = params_.step_overhead_s;
  if (tp_ > 1) {
    // Row-parallel attention output and MLP down projections each end in an all-reduce of the
    // hidden states; vLLM does not overlap them with compute.
    const double allreduce_bytes =
        total_new * static_cast<double>(model_.hidden_size) * dtype_bytes;
    const double one = 2 * (tp - 1) / tp * allreduce_bytes / gpu_.InterconnectBandwidthBytesPerS() +
                       params_.allreduce_latency_s;
    b.comm_s = 2 * layers * one;
  }
  return b;
}

double RooflineLatencyModel::StepSeconds(const StepShape& step) const {
  return Breakdown(step).TotalSeconds();
}

int64_t NumGpuBlocks(const ModelSpec& model, const GpuSpec& gpu, int tensor_parallel,
                     int64_t block_size, double gpu_memory_utilization, double reserve_bytes) {
  if (tensor_parallel < 1) {
    throw InputError(fmt::format("tensor_parallel must be at least 1, got {}", tensor_parallel));
  }
  if (block_size < 1)
    throw InputError(fmt::format("block_size must be positive, got {}", block_size));
  if (gpu_memory_utilization <= 0 || gpu_memory_utilization > 1) {
    throw InputError(
        fmt::format("gpu_memory_utilization must be in (0, 1], got {}", gpu_memory_utilization));
  }
  const double tp = tensor_parallel;
  const double weights = model.params * model.DtypeBytes() / tp;
  const double free = gpu.memory_bytes * gpu_memory_utilization - weights - reserve_bytes;
  const double kv_shards = std::min<double>(tp, static_cast<double>(model.num_kv_heads));
  const double block_bytes = model.KvBytesPerToken() / kv_shards * static_cast<double>(block_size);
  if (free <= 0) return 0;
  return static_cast<int64_t>(std::floor(free / block_bytes));
}

}  // namespace kvb
