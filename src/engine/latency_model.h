// How long one scheduler step takes on the GPU. The engine asks a LatencyModel for every step;
// the roofline model here is the default, and a profiled table or a fitted model can replace it
// behind the same interface. Formulas, constants and their calibration: docs/engine.md.
#pragma once

#include <cstdint>
#include <vector>

#include "config/gpu_spec.h"
#include "config/model_spec.h"

namespace kvb {

// One scheduled sequence in a step. vLLM v1 mixes prefill chunks and decode tokens in one step:
// a decode is new_tokens == 1; a prefill chunk has new_tokens > 1 and context_tokens = the
// prompt tokens already in the KV cache (prefix-cache hits plus earlier chunks).
struct SeqWork {
  int64_t new_tokens = 0;      // tokens computed this step (query length)
  int64_t context_tokens = 0;  // tokens already in the KV cache before this step
};

struct StepShape {
  std::vector<SeqWork> seqs;
};

// The parts of one step's time, per GPU (tensor parallelism already divided in).
struct StepBreakdown {
  double flops = 0;             // per GPU
  double bytes = 0;             // HBM traffic per GPU
  double compute_s = 0;         // flops / (peak * mfu)
  double memory_s = 0;          // bytes / (bandwidth * efficiency)
  double overhead_s = 0;        // fixed per step
  double comm_s = 0;            // tensor-parallel all-reduces
  double TotalSeconds() const;  // max(compute_s, memory_s) + overhead_s + comm_s
};

// Contract: StepSeconds is a pure function of the step (no state), safe to call from any thread.
// A step with no new tokens takes 0 seconds.
class LatencyModel {
 public:
  virtual ~LatencyModel() = default;
  virtual double StepSeconds(const StepShape& step) const = 0;
};

// Roofline: max(FLOPs / (peak * mfu), bytes / (bandwidth * efficiency)) + overhead + TP comm.
//   FLOPs  = 2 * P_body * T + 2 * V * H * S + 4 * L * n_heads * head_dim * sum_i A_i
//   bytes  = (P_body + V * H) * dtype_bytes + kv_bytes_per_token * sum_i (c_i + 2 * n_i)
// where T = total new tokens, S = sequences in the step (one logits row each), n_i / c_i the new
// and context tokens of sequence i, A_i = n_i * c_i + n_i * (n_i + 1) / 2 the causal
// query-key pairs, P_body = params - 2 * V * H (untied input embedding and LM head removed),
// V = vocab_size, H = hidden_size, L = num_layers. Activations are not counted.
// Tensor parallelism (tp) divides FLOPs and weight bytes by tp and KV bytes by min(tp, kv_heads)
// (vLLM replicates KV heads when tp > kv_heads); each layer adds 2 ring all-reduces of
// T * H * dtype_bytes: 2 * (tp - 1) / tp * bytes / link_bandwidth + allreduce_latency_s.
class RooflineLatencyModel final : public LatencyModel {
 public:
  // Throws InputError when tensor_parallel < 1 or does not divide num_attention_heads.
  RooflineLatencyModel(const ModelSpec& model, const GpuSpec& gpu, LatencyParams params,
                       int tensor_parallel);
  // Uses gpu.latency as the parameters.
  RooflineLatencyModel(const ModelSpec& model, const GpuSpec& gpu, int tensor_parallel = 1);

  double StepSeconds(const StepShape& step) const override;
  StepBreakdown Breakdown(const StepShape& step) const;

  int tensor_parallel() const { return tp_; }

 private:
  ModelSpec model_;
  GpuSpec gpu_;
  LatencyParams params_;
  int tp_ = 1;
  double embedding_params_ = 0;  // vocab_size * hidden_size
  double body_params_ = 0;       // params - 2 * embedding_params_
};

// Bytes of GPU memory vLLM leaves out of the KV cache besides the weights: the activation peak
// of its profiling forward pass, memory allocated outside PyTorch (CUDA context, NCCL, cuBLAS
// workspaces) and CUDA graphs. An estimate, not a measurement: docs/engine.md.
inline constexpr double kDefaultKvReserveBytes = 2.0 * 1024 * 1024 * 1024;

// GPU KV-cache blocks per GPU the way vLLM sizes them:
//   floor((memory_bytes * gpu_memory_utilization - params * dtype_bytes / tp - reserve_bytes)
//         / (kv_bytes_per_token / min(tp, kv_heads) * block_size)),
// and 0 when the weights and reserve do not fit.
int64_t NumGpuBlocks(const ModelSpec& model, const GpuSpec& gpu, int tensor_parallel,
                     int64_t block_size, double gpu_memory_utilization,
                     double reserve_bytes = kDefaultKvReserveBytes);

}  // namespace kvb
