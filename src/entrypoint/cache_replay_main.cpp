// cache_replay: --mode server runs a trace or log through the engine (a model of vLLM + LMCache)
// in virtual time. --mode client (replaying a log against a live server) comes with the
// benchmark runner. Thin main: flags -> ReplayOptions -> RunReplay -> files.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/gpu_spec.h"
#include "config/model_spec.h"
#include "engine/replay.h"
#include "simulation/sim_report.h"
#include "utils/errors.h"
#include "utils/file_util.h"
#include "utils/guarded_main.h"
#include "utils/units.h"

namespace {

namespace fs = std::filesystem;

int Run(int argc, char** argv) {
  CLI::App app{
      "cache_replay: replay a trace through a model of a vLLM(+LMCache) server in virtual time "
      "(docs/engine.md)"};
  std::string mode = "server", input, format = "auto", model = "qwen3-8b", gpu = "h100";
  std::string output_dir = "outputs/simulation/replay", policy = "lru";
  std::string cpu_cache = "0", disk_cache = "0";
  kvb::ReplayOptions o;
  kvb::EngineConfig& e = o.engine;
  bool strict = false, no_prefix_caching = false;
  app.add_option("--mode", mode, "server (engine in virtual time) or client (not yet)")
      ->capture_default_str();
  app.add_option("-i,--input-file", input, "trace or log (formats as cache_simulator)");
  app.add_option("--format", format, "trace format")->capture_default_str();
  app.add_option("--model", model, "model spec (configs/models)")->capture_default_str();
  app.add_option("--gpu", gpu, "GPU spec (configs/gpus)")->capture_default_str();
  app.add_option("--tensor-parallel-size", e.tensor_parallel, "also -tp, as vllm serve")
      ->capture_default_str();
  app.add_option("--block-size", e.block_size, "GPU KV block size in tokens")
      ->capture_default_str();
  app.add_option("--num-gpu-blocks", e.num_gpu_blocks,
                 "GPU KV blocks (default: derived from --gpu-memory-utilization)");
  app.add_option("--gpu-memory-utilization", e.gpu_memory_utilization)->capture_default_str();
  app.add_option("--max-num-seqs", e.max_num_seqs)->capture_default_str();
  app.add_option("--max-num-batched-tokens", e.max_num_batched_tokens)->capture_default_str();
  app.add_option("--max-model-len", e.max_model_len, "default: the model's");
  app.add_flag("--no-enable-prefix-caching", no_prefix_caching);
  app.add_option("--cpu-cache", cpu_cache, "LMCache CPU tier size (e.g. 64GB; 0: off)")
      ->capture_default_str();
  app.add_option("--disk-cache", disk_cache, "LMCache disk tier size (0: off)")
      ->capture_default_str();
  app.add_option("--chunk-size", e.lmcache.chunk_size, "LMCache chunk size in tokens")
      ->capture_default_str();
  app.add_option("-p,--eviction-policy", policy, "LMCache tier eviction policy")
      ->capture_default_str();
  app.add_option("--start", o.start_s, "trace time (s) where the window starts");
  app.add_option("--duration", o.duration_s, "window length in trace seconds (0: all)");
  app.add_option("--time-scale", o.time_scale, "speed-up of arrivals (2: twice as fast)");
  app.add_option("--target-rps", o.target_rps, "rescale arrivals to this mean request rate");
  app.add_option("-o,--output-dir", output_dir)->capture_default_str();
  app.add_flag("--strict", strict, "stop at the first malformed record");
  // vllm serve spells the tensor-parallel short option "-tp", which CLI11 cannot declare.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {
    const std::string a = argv[i];
    args.push_back(a == "-tp" ? "--tensor-parallel-size" : a);
  }
  try {
    app.parse(std::move(args));
  } catch (const CLI::ParseError& err) {
    return app.exit(err) == 0 ? 0 : 2;
  }
  if (mode == "client") {
    throw kvb::InputError(
        "--mode client (replaying a log against a live server) is not available yet: it comes "
        "with the benchmark runner's load generator");
  }
  if (mode != "server") throw kvb::InputError(fmt::format("unknown --mode '{}'", mode));
  if (input.empty()) throw kvb::InputError("--input-file is required (see --help)");
  o.input_path = input;
  o.read.format = kvb::ParseFormat(format);
  o.read.strict = strict;
  e.model = kvb::FindModelSpec(model);
  e.gpu = kvb::FindGpuSpec(gpu);
  e.enable_prefix_caching = !no_prefix_caching;
  e.lmcache.cpu_bytes = kvb::ParseBytes(cpu_cache);
  e.lmcache.disk_bytes = kvb::ParseBytes(disk_cache);
  e.lmcache.policy = policy;
  o.request_log_path = (fs::path(output_dir) / "requests.jsonl").string();
  std::error_code ec;
  fs::create_directories(output_dir, ec);
  if (ec) throw kvb::InputError(fmt::format("cannot create '{}': {}", output_dir, ec.message()));

  const auto start = std::chrono::steady_clock::now();
  const kvb::ReplaySummary s = kvb::RunReplay(o);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.read_issues.empty()) fmt::print(stderr, "{}", s.read_issues);

  nlohmann::json j;
  j["context"] = kvb::ResultContext("cache_replay", std::vector<std::string>(argv, argv + argc));
  j["config"] = {{"model", e.model.name},
                 {"gpu", gpu},
                 {"tensor_parallel_size", e.tensor_parallel},
                 {"block_size", e.block_size},
                 {"num_gpu_blocks", s.num_gpu_blocks},
                 {"gpu_memory_utilization", e.gpu_memory_utilization},
                 {"max_num_seqs", e.max_num_seqs},
                 {"max_num_batched_tokens", e.max_num_batched_tokens},
                 {"enable_prefix_caching", e.enable_prefix_caching},
                 {"lmcache_cpu_bytes", e.lmcache.cpu_bytes},
                 {"lmcache_disk_bytes", e.lmcache.disk_bytes},
                 {"lmcache_chunk_size", e.lmcache.chunk_size},
                 {"lmcache_policy", e.lmcache.policy},
                 {"start_s", o.start_s},
                 {"duration_s", o.duration_s},
                 {"time_scale", s.time_scale}};
  j["results"] = kvb::ReplaySummaryJson(s);
  j["wall_s"] = wall;
  kvb::WriteFileAtomic((fs::path(output_dir) / "summary.json").string(), j.dump(2) + "\n");

  // Engine time series (at most ~5000 rows) and the TTFT CDF.
  std::string ts = "time_s,running,waiting,kv_usage\n";
  const size_t stride = std::max<size_t>(1, s.samples.size() / 5000);
  for (size_t i = 0; i < s.samples.size(); i += stride) {
    const auto& x = s.samples[i];
    ts += fmt::format("{:.6f},{},{},{:.6f}\n", x.time_s, x.running, x.waiting, x.kv_usage);
  }
  kvb::WriteFileAtomic((fs::path(output_dir) / "timeseries.csv").string(), ts);
  std::string cdf;
  const size_t n = s.ttft_sorted_ms.size();
  const size_t cstride = std::max<size_t>(1, n / 2000);
  for (size_t i = 0; i < n; i += cstride) {
    cdf += fmt::format("{:.6f} {:.6f}\n", s.ttft_sorted_ms[i], static_cast<double>(i + 1) / n);
  }
  if (n > 0) cdf += fmt::format("{:.6f} 1\n", s.ttft_sorted_ms.back());
  kvb::WriteFileAtomic((fs::path(output_dir) / "ttft_cdf.dat").string(), cdf);
  const std::string draw =
      "plot 'ttft_cdf.dat' using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'TTFT'\n";
  std::string gp = "# Generated by cache_replay: edit and rerun `gnuplot ttft_cdf.gp`.\n";
  gp += fmt::format("set title \"TTFT CDF ({} on {}, {} GPU blocks)\" noenhanced\n", e.model.name,
                    gpu, s.num_gpu_blocks);
  gp += "set xlabel 'time to first token (ms)'\nset ylabel 'fraction of requests'\n";
  gp += "set logscale x\nset grid\nset key bottom right\nset yrange [0:1]\n";
  gp += "set terminal pngcairo size 1000,650 font 'sans,11'\nset output 'ttft_cdf.png'\n" + draw;
  gp += "set terminal svg size 1000,650 dynamic font 'sans,11'\nset output 'ttft_cdf.svg'\n" +
        draw + "unset output\n";
  kvb::WriteFileAtomic((fs::path(output_dir) / "ttft_cdf.gp").string(), gp);
  std::string plot_warning = n == 0 ? "no completed request: no TTFT CDF" : "";
  if (n > 0) plot_warning = kvb::RunGnuplot(output_dir, "ttft_cdf.gp");

  const auto& r = j["results"];
  fmt::print(
      "{}: {} requests ({} completed, {} rejected) in {:.1f} virtual s ({:.2f} s wall)\n"
      "TTFT ms mean {:.1f} p50 {:.1f} p99 {:.1f} | TPOT ms mean {:.2f} p99 {:.2f} | "
      "E2E ms mean {:.0f}\n"
      "hit ratio (tokens): GPU {:.4f} CPU {:.4f} disk {:.4f} total {:.4f}; {} GPU blocks, "
      "{} preemptions\nresults in {}/\n",
      input, s.requests, s.completed, s.rejected, s.duration_s, wall, s.ttft_ms.mean,
      s.ttft_ms.median, s.ttft_ms.p99, s.tpot_ms.mean, s.tpot_ms.p99, s.e2e_ms.mean,
      r["gpu_hit_ratio"].get<double>(), r["cpu_hit_ratio"].get<double>(),
      r["disk_hit_ratio"].get<double>(), r["total_hit_ratio"].get<double>(), s.num_gpu_blocks,
      s.engine.preemptions, output_dir);
  if (!plot_warning.empty()) fmt::print(stderr, "warning: {}\n", plot_warning);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return kvb::GuardedMain([&] { return Run(argc, argv); });
}
