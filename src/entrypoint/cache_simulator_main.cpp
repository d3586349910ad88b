// cache_simulator: replays the block accesses of a trace or server log through eviction
// policies and capacities. A thin main: flags -> SimulationConfig -> RunSimulation -> report.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "config/model_spec.h"
#include "simulation/policy_registry.h"
#include "simulation/sim_report.h"
#include "simulation/simulator.h"
#include "utils/errors.h"
#include "utils/guarded_main.h"

namespace {

std::vector<std::string> SplitList(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      const size_t comma = item.find(',', start);
      const std::string part =
          item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

int Run(int argc, char** argv) {
  CLI::App app{
      "cache_simulator: replay the KV block accesses of a trace or server log through eviction "
      "policies and cache capacities (docs/policies.md, docs/formats.md)"};
  std::string input, format = "auto", hit_mode = "prefix", model, output_dir = "outputs/simulation";
  std::vector<std::string> policies_arg{"lru"}, capacities_arg;
  uint32_t block_size = 0;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double window_s = 0;
  bool mrc = false, strict = false, no_infer = false, list_policies = false, quiet = false;
  std::optional<uint32_t> max_log_len;
  app.add_option("-i,--input-file", input, "trace or log to replay (.zst is decompressed)");
  app.add_option("--format", format,
                 "auto, mooncake, alibaba, request-log, vllm-log, block, oracle, azure")
      ->capture_default_str();
  app.add_option("-p,--eviction-policy", policies_arg,
                 "policies, comma-separated (see --list-policies)")
      ->capture_default_str();
  app.add_option("-c,--capacity", capacities_arg,
                 "capacities, comma-separated: blocks (5859, 1e4), tokens (3Mtok), bytes (64GB, "
                 "needs --model) or inf (default)");
  app.add_option("--block-size", block_size,
                 "tokens per block to simulate: a divisor of the trace's block size (hash-id "
                 "traces), the hashing block size of vLLM logs (default 16), tokens per block of "
                 "block traces (default 1)");
  app.add_option("--hit-mode", hit_mode, "prefix (longest cached leading run) or block")
      ->capture_default_str();
  app.add_option("--model", model, "model spec for byte capacities (configs/models/*.yaml)");
  app.add_flag("--mrc", mrc, "also compute the one-pass LRU hit-ratio curve over all capacities");
  app.add_option("-j,--jobs", jobs, "threads (default: all cores)");
  app.add_option("-o,--output-dir", output_dir, "where result files go")->capture_default_str();
  app.add_option("--window", window_s, "time-series window in seconds (default 60)");
  app.add_flag("--strict", strict, "stop at the first malformed record");
  app.add_option("--vllm-max-log-len", max_log_len,
                 "the --max-log-len the vLLM server ran with: token lists that long are "
                 "truncated and rejected");
  app.add_flag("--no-infer-conversations", no_infer,
               "do not infer conversations from shared prefixes when the trace has none");
  app.add_flag("--list-policies", list_policies, "list the eviction policies and exit");
  app.add_flag("-q,--quiet", quiet, "no table on stdout");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (list_policies) {
    for (const auto& p : kvb::PolicyTable()) fmt::print("{:<20} {}\n", p.name, p.summary);
    return 0;
  }
  if (input.empty()) throw kvb::InputError("--input-file is required (see --help)");
  if (jobs < 1) throw kvb::InputError(fmt::format("--jobs must be at least 1, got {}", jobs));
  if (window_s < 0) throw kvb::InputError("--window must be positive");

  kvb::SimulationConfig config;
  config.input_path = input;
  config.stream.read.format = kvb::ParseFormat(format);
  config.stream.read.strict = strict;
  config.stream.read.block_size = block_size;
  config.stream.read.vllm_max_log_len = max_log_len;
  config.stream.block_size = block_size;
  config.stream.infer_conversations = !no_infer;
  config.policies = SplitList(policies_arg);
  for (const auto& p : config.policies) kvb::FindPolicy(p);  // unknown name: error up front
  for (const auto& c :
       SplitList(capacities_arg.empty() ? std::vector<std::string>{"inf"} : capacities_arg)) {
    config.capacities.push_back(kvb::ParseCapacity(c));
  }
  config.hit_mode = kvb::ParseHitMode(hit_mode);
  if (!model.empty()) config.kv_bytes_per_token = kvb::FindModelSpec(model).KvBytesPerToken();
  config.window_s = window_s;
  config.jobs = jobs;
  config.mrc = mrc;

  const auto start = std::chrono::steady_clock::now();
  kvb::SimulationResult result = kvb::RunSimulation(config);
  result.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.read_issues.empty()) fmt::print(stderr, "{}", result.read_issues);

  std::vector<std::string> args(argv, argv + argc);
  const nlohmann::json context = kvb::ResultContext("cache_simulator", args);
  const kvb::ReportFiles files = kvb::WriteSimulationReport(result, config, context, output_dir);
  if (!quiet) {
    const auto& t = result.trace;
    fmt::print(
        "{}: {} requests, {} block accesses ({}-token blocks{}), {} format{}\n", t.path, t.requests,
        t.accesses, t.block_size,
        t.block_size != t.trace_block_size ? fmt::format(", split from {}", t.trace_block_size)
                                           : "",
        t.format,
        t.conversations_inferred ? fmt::format(", {} conversations inferred", t.conversations)
                                 : "");
    fmt::print("{}", kvb::FormatResultTable(result));
    fmt::print("{:.2f} s, {:.1f} M accesses/s per run; results in {}/\n", result.elapsed_s,
               result.elapsed_s > 0
                   ? static_cast<double>(t.accesses) * result.runs.size() / result.elapsed_s / 1e6
                   : 0.0,
               output_dir);
  }
  if (!files.plot_warning.empty()) fmt::print(stderr, "warning: {}\n", files.plot_warning);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return kvb::GuardedMain([&] { return Run(argc, argv); });
}
