// GPU specifications (configs/gpus/*.yaml): datasheet peaks plus the efficiency constants of the
// roofline latency model (src/engine/latency_model.h). Every number in the shipped files cites
// its source; docs/engine.md explains how the efficiencies were calibrated.
#pragma once

#include <string>
#include <vector>

namespace kvb {

// How far below the datasheet peaks real kernels run, and what a step costs on top. Kept per GPU
// because they depend on the chip and its kernels; a caller may override them.
struct LatencyParams {
  double mfu = 0.65;                   // achieved fraction of peak_bf16_flops, in (0, 1]
  double bandwidth_efficiency = 0.75;  // achieved fraction of hbm_bandwidth_bytes_per_s, in (0, 1]
  double step_overhead_s = 0.0005;     // fixed cost per scheduler step (CPU, launches, sampling)
  double allreduce_latency_s = 15e-6;  // fixed cost per tensor-parallel all-reduce
};

struct GpuSpec {
  std::string name;                         // short name, e.g. "h100" (the file name)
  double peak_bf16_flops = 0;               // dense BF16 tensor-core FLOP/s
  double hbm_bandwidth_bytes_per_s = 0;     // device memory bandwidth
  double memory_bytes = 0;                  // device memory as the driver reports it
  double host_bandwidth_bytes_per_s = 0;    // PCIe, per direction (CPU <-> GPU copies)
  double nvlink_bandwidth_bytes_per_s = 0;  // per direction per GPU; 0 when there is none
  LatencyParams latency;
  std::string source;

  // Link that tensor-parallel all-reduces use: NVLink where present, else PCIe.
  double InterconnectBandwidthBytesPerS() const;
};

// Loads a GPU spec from a YAML file path. Throws InputError with file:line:col on bad input.
GpuSpec LoadGpuSpec(const std::string& path);
// Finds a GPU by short name ("h100", case-insensitive) or a path to a YAML file. Throws
// InputError listing the known GPUs.
GpuSpec FindGpuSpec(const std::string& name_or_path);
std::vector<std::string> KnownGpus();

}  // namespace kvb
