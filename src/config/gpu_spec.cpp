#include "config/gpu_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "config/model_spec.h"
#include "config/yaml_util.h"
#include "utils/errors.h"

namespace kvb {
namespace fs = std::filesystem;

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

double GpuSpec::InterconnectBandwidthBytesPerS() const {
  return nvlink_bandwidth_bytes_per_s > 0 ? nvlink_bandwidth_bytes_per_s
                                          : host_bandwidth_bytes_per_s;
}

GpuSpec LoadGpuSpec(const std::string& path) {
  const YamlMap y = YamlMap::LoadFile(path);
  y.RejectUnknown({"name", "peak_bf16_flops", "hbm_bandwidth_bytes_per_s", "memory_bytes",
                   "host_bandwidth_bytes_per_s", "nvlink_bandwidth_bytes_per_s", "mfu",
                   "bandwidth_efficiency", "step_overhead_s", "allreduce_latency_s", "source"});
  GpuSpec g;
  g.name = y.OptString("name").value_or(fs::path(path).stem().string());
  g.peak_bf16_flops = y.GetDouble("peak_bf16_flops");
  g.hbm_bandwidth_bytes_per_s = y.GetDouble("hbm_bandwidth_bytes_per_s");
  g.memory_bytes = y.GetDouble("memory_bytes");
  g.host_bandwidth_bytes_per_s = y.GetDouble("host_bandwidth_bytes_per_s");
  g.nvlink_bandwidth_bytes_per_s = y.OptDouble("nvlink_bandwidth_bytes_per_s").value_or(0);
  const LatencyParams defaults;
  g.latency.mfu = y.OptDouble("mfu").value_or(defaults.mfu);
  g.latency.bandwidth_efficiency =
      y.OptDouble("bandwidth_efficiency").value_or(defaults.bandwidth_efficiency);
  g.latency.step_overhead_s = y.OptDouble("step_overhead_s").value_or(defaults.step_overhead_s);
  g.latency.allreduce_latency_s =
      y.OptDouble("allreduce_latency_s").value_or(defaults.allreduce_latency_s);
  g.source = y.OptString("source").value_or("");

  const auto positive = [&](const char* key, double v) {
    if (v <= 0) y.Fail(key, fmt::format("must be positive, got {}", v));
  };
  const auto non_negative = [&](const char* key, double v) {
    if (v < 0) y.Fail(key, fmt::format("must not be negative, got {}", v));
  };
  const auto fraction = [&](const char* key, double v) {
    if (v <= 0 || v > 1) y.Fail(key, fmt::format("must be in (0, 1], got {}", v));
  };
  positive("peak_bf16_flops", g.peak_bf16_flops);
  positive("hbm_bandwidth_bytes_per_s", g.hbm_bandwidth_bytes_per_s);
  positive("memory_bytes", g.memory_bytes);
  positive("host_bandwidth_bytes_per_s", g.host_bandwidth_bytes_per_s);
  non_negative("nvlink_bandwidth_bytes_per_s", g.nvlink_bandwidth_bytes_per_s);
  fraction("mfu", g.latency.mfu);
  fraction("bandwidth_efficiency", g.latency.bandwidth_efficiency);
  non_negative("step_overhead_s", g.latency.step_overhead_s);
  non_negative("allreduce_latency_s", g.latency.allreduce_latency_s);
  return g;
}

std::vector<std::string> KnownGpus() {
  std::vector<std::string> names;
  const fs::path dir = fs::path(ConfigDir()) / "gpus";
  if (!fs::is_directory(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

GpuSpec FindGpuSpec(const std::string& name_or_path) {
  if (name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml")) {
    if (!fs::exists(name_or_path)) {
      throw InputError(fmt::format("GPU spec file '{}' does not exist", name_or_path));
    }
    return LoadGpuSpec(name_or_path);
  }
  const std::string want = Lower(name_or_path);
  const std::vector<std::string> known = KnownGpus();
  for (const auto& stem : known) {
    if (Lower(stem) == want) {
      return LoadGpuSpec((fs::path(ConfigDir()) / "gpus" / (stem + ".yaml")).string());
    }
  }
  std::string list;
  for (const auto& n : known) list += list.empty() ? n : ", " + n;
  throw InputError(fmt::format("unknown GPU '{}'; known: {} (or pass a path to a GPU YAML)",
                               name_or_path, list));
}

}  // namespace kvb
