#include "simulation/sim_report.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "simulation/policy_registry.h"
#include "utils/errors.h"
#include "utils/file_util.h"
#include "utils/version.h"

namespace kvb {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kUnbounded = std::numeric_limits<uint64_t>::max();

std::string CapacityLabel(uint64_t blocks) {
  return blocks == kUnbounded ? "inf" : std::to_string(blocks);
}

// One colour per policy, the same in every plot the project draws.
std::string PolicyColor(const std::string& policy) {
  static const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#000000", "#e377c2", "#17becf", "#bcbd22"};
  const auto& table = PolicyTable();
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i].name == policy) return kPalette[i % std::size(kPalette)];
  }
  return "#7f7f7f";
}

nlohmann::json TallyJson(const Tally& t) {
  return {{"requests", t.requests},
          {"accesses", t.accesses},
          {"block_hits", t.hits},
          {"block_hit_ratio", t.BlockHitRatio()},
          {"prompt_tokens", t.prompt_tokens},
          {"hit_tokens", t.hit_tokens},
          {"token_hit_ratio", t.TokenHitRatio()}};
}

}  // namespace

std::string FormatResultTable(const SimulationResult& result) {
  std::string out = fmt::format("{:<20} {:>12} {:>12} {:>10} {:>10} {:>12}\n", "policy", "capacity",
                                "blocks", "block_hit", "token_hit", "evictions");
  for (const RunResult& r : result.runs) {
    out += fmt::format("{:<20} {:>12} {:>12} {:>10.4f} {:>10.4f} {:>12}\n", r.policy,
                       r.capacity_text, CapacityLabel(r.capacity_blocks), r.total.BlockHitRatio(),
                       r.total.TokenHitRatio(), r.evictions);
  }
  if (result.mrc) {
    const MrcResult& m = *result.mrc;
    out += fmt::format("lru MRC (one pass): {} distinct blocks", m.distinct_blocks);
    for (const MrcPoint& p : m.requested) {
      out += fmt::format(", {} -> {:.4f}", CapacityLabel(p.capacity_blocks),
                         m.accesses ? static_cast<double>(p.hits) / m.accesses : 0.0);
    }
    out += "\n";
  }
  return out;
}

nlohmann::json ResultContext(const std::string& tool, const std::vector<std::string>& argv) {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return {{"tool", tool},
          {"version", ToolVersion()},
          {"git_commit", GitCommit()},
          {"build_type", BuildType()},
          {"date", date},
          {"host", host},
          {"num_cpus", std::thread::hardware_concurrency()},
          {"command", argv}};
}

std::string RunGnuplot(const std::string& dir, const std::string& script) {
  const pid_t pid = fork();
  if (pid < 0) return "cannot fork to run gnuplot";
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    // gnuplot's chatter goes to gnuplot.log beside the script; its exit code says whether it
    // worked.
    if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
    if (std::freopen("gnuplot.log", "w", stderr) == nullptr) _exit(126);
    execlp("gnuplot", "gnuplot", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return "waitpid failed while running gnuplot";
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return "gnuplot is not installed (apt-get install gnuplot-nox, or run `make deps`); the data "
           "and script are written, plots are not";
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fmt::format("gnuplot failed on {}/{} (see {}/gnuplot.log)", dir, script, dir);
  }
  return "";
}

ReportFiles WriteSimulationReport(const SimulationResult& result, const SimulationConfig& config,
                                  const nlohmann::json& context, const std::string& output_dir) {
  ReportFiles files;
  std::error_code ec;
  fs::create_directories(output_dir, ec);
  if (ec || !fs::is_directory(output_dir)) {
    throw InputError(fmt::format("cannot create output directory '{}': {}", output_dir,
                                 ec ? ec.message() : "not a directory"));
  }
  const fs::path dir(output_dir);
  const auto write = [&](const std::string& name, const std::string& text) {
    WriteFileAtomic((dir / name).string(), text);
    files.written.push_back((dir / name).string());
  };

  // summary.json
  nlohmann::json j;
  j["context"] = context;
  const TraceSummary& t = result.trace;
  j["trace"] = {{"path", t.path},
                {"format", t.format},
                {"trace_block_size", t.trace_block_size},
                {"block_size", t.block_size},
                {"requests", t.requests},
                {"accesses", t.accesses},
                {"prompt_tokens", t.prompt_tokens},
                {"first_arrival_s", t.first_arrival_s},
                {"last_arrival_s", t.last_arrival_s},
                {"has_timestamps", t.has_timestamps},
                {"conversations_inferred", t.conversations_inferred},
                {"inferred_conversations", t.conversations},
                {"malformed_records", result.malformed_records},
                {"read_warnings", result.read_issues}};
  j["config"] = {{"policies", config.policies},
                 {"hit_mode", config.hit_mode == HitMode::kPrefix ? "prefix" : "block"},
                 {"window_s", result.window_s},
                 {"jobs", config.jobs},
                 {"kv_bytes_per_token", config.kv_bytes_per_token}};
  j["elapsed_s"] = result.elapsed_s;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  j["max_rss_bytes"] = static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux: KiB
  nlohmann::json runs = nlohmann::json::array();
  for (const RunResult& r : result.runs) {
    nlohmann::json rj = TallyJson(r.total);
    rj["policy"] = r.policy;
    rj["capacity"] = r.capacity_text;
    rj["capacity_blocks"] = r.capacity_blocks == kUnbounded ? nlohmann::json(nullptr)
                                                            : nlohmann::json(r.capacity_blocks);
    rj["evictions"] = r.evictions;
    rj["cpu_s"] = r.elapsed_s;
    runs.push_back(rj);
  }
  j["results"] = runs;
  if (result.mrc) {
    const MrcResult& m = *result.mrc;
    nlohmann::json mj = {
        {"distinct_blocks", m.distinct_blocks}, {"accesses", m.accesses}, {"cpu_s", m.elapsed_s}};
    nlohmann::json req = nlohmann::json::array();
    for (const MrcPoint& p : m.requested) {
      req.push_back(
          {{"capacity_blocks", p.capacity_blocks == kUnbounded ? nlohmann::json(nullptr)
                                                               : nlohmann::json(p.capacity_blocks)},
           {"block_hits", p.hits},
           {"hit_tokens", p.hit_tokens}});
    }
    mj["requested"] = req;
    j["lru_mrc"] = mj;
  }
  write("summary.json", j.dump(2) + "\n");

  // results.csv
  std::string csv =
      "policy,capacity,capacity_blocks,requests,accesses,block_hits,block_hit_ratio,"
      "prompt_tokens,hit_tokens,token_hit_ratio,evictions\n";
  for (const RunResult& r : result.runs) {
    csv += fmt::format("{},{},{},{},{},{},{:.6f},{},{},{:.6f},{}\n", r.policy, r.capacity_text,
                       CapacityLabel(r.capacity_blocks), r.total.requests, r.total.accesses,
                       r.total.hits, r.total.BlockHitRatio(), r.total.prompt_tokens,
                       r.total.hit_tokens, r.total.TokenHitRatio(), r.evictions);
  }
  write("results.csv", csv);

  // timeseries.csv
  std::string ts =
      "policy,capacity,window_start_s,requests,accesses,block_hits,block_hit_ratio,"
      "prompt_tokens,hit_tokens,token_hit_ratio\n";
  for (const RunResult& r : result.runs) {
    for (size_t w = 0; w < r.windows.size(); ++w) {
      const Tally& x = r.windows[w];
      ts += fmt::format("{},{},{},{},{},{},{:.6f},{},{},{:.6f}\n", r.policy, r.capacity_text,
                        result.trace.first_arrival_s + static_cast<double>(w) * result.window_s,
                        x.requests, x.accesses, x.hits, x.BlockHitRatio(), x.prompt_tokens,
                        x.hit_tokens, x.TokenHitRatio());
    }
  }
  write("timeseries.csv", ts);

  // turns.csv
  std::string turns =
      "policy,capacity,turn,requests,accesses,block_hits,block_hit_ratio,prompt_tokens,"
      "hit_tokens,token_hit_ratio\n";
  for (const RunResult& r : result.runs) {
    for (size_t k = 0; k < r.turns.size(); ++k) {
      const Tally& x = r.turns[k];
      if (x.requests == 0) continue;
      const std::string label =
          k == config.max_turn_bucket ? fmt::format("{}+", k) : std::to_string(k);
      turns += fmt::format("{},{},{},{},{},{},{:.6f},{},{},{:.6f}\n", r.policy, r.capacity_text,
                           label, x.requests, x.accesses, x.hits, x.BlockHitRatio(),
                           x.prompt_tokens, x.hit_tokens, x.TokenHitRatio());
    }
  }
  write("turns.csv", turns);

  // mrc.csv
  if (result.mrc) {
    const MrcResult& m = *result.mrc;
    std::string mc = "capacity_blocks,block_hits,block_hit_ratio,hit_tokens,token_hit_ratio\n";
    for (const MrcPoint& p : m.curve) {
      mc +=
          fmt::format("{},{},{:.6f},{},{:.6f}\n", p.capacity_blocks, p.hits,
                      m.accesses ? static_cast<double>(p.hits) / m.accesses : 0.0, p.hit_tokens,
                      m.prompt_tokens ? static_cast<double>(p.hit_tokens) / m.prompt_tokens : 0.0);
    }
    write("mrc.csv", mc);
  }

  // Plot data: one block per policy (gnuplot "index"), finite capacities only; the one-pass
  // LRU curve as its own block after them.
  const bool token = config.hit_mode == HitMode::kPrefix;
  std::string dat;
  std::string cmds;
  size_t index = 0;
  uint64_t min_c = kUnbounded, max_c = 0;
  for (const auto& policy : config.policies) {
    std::string block;
    for (const RunResult& r : result.runs) {
      if (r.policy != policy || r.capacity_blocks == kUnbounded) continue;
      block += fmt::format("{} {:.6f} {:.6f}\n", r.capacity_blocks, r.total.BlockHitRatio(),
                           r.total.TokenHitRatio());
      min_c = std::min(min_c, r.capacity_blocks);
      max_c = std::max(max_c, r.capacity_blocks);
    }
    if (block.empty()) continue;
    dat += fmt::format("# {}\n{}\n\n", policy, block);
    cmds += fmt::format(
        "{}'hit_ratio_vs_capacity.dat' index {} using 1:{} with linespoints lw 2 pt 7 lc rgb "
        "'{}' title '{}'",
        cmds.empty() ? "" : ", \\\n     ", index++, token ? 3 : 2, PolicyColor(policy), policy);
  }
  if (result.mrc && result.mrc->accesses > 0) {
    const MrcResult& m = *result.mrc;
    dat += "# lru one-pass MRC\n";
    for (const MrcPoint& p : m.curve) {
      dat += fmt::format(
          "{} {:.6f} {:.6f}\n", p.capacity_blocks, static_cast<double>(p.hits) / m.accesses,
          m.prompt_tokens ? static_cast<double>(p.hit_tokens) / m.prompt_tokens : 0.0);
    }
    dat += "\n\n";
    cmds += fmt::format(
        "{}'hit_ratio_vs_capacity.dat' index {} using 1:{} with lines dt 2 lw 1.5 lc rgb "
        "'#555555' title 'lru (one-pass MRC)'",
        cmds.empty() ? "" : ", \\\n     ", index++, token ? 3 : 2);
  }
  write("hit_ratio_vs_capacity.dat", dat);
  const std::string title =
      fmt::format("{} hit ratio vs cache capacity ({}, {}-token blocks)", token ? "Token" : "Block",
                  fs::path(result.trace.path).filename().string(), result.trace.block_size);
  const std::string draw = "plot " + (cmds.empty() ? std::string("NaN notitle") : cmds) + "\n";
  std::string gp;
  gp += "# Generated by cache_simulator: edit and rerun `gnuplot hit_ratio_vs_capacity.gp`.\n";
  gp += fmt::format("set title \"{}\" noenhanced\n", title);
  gp += "set xlabel 'cache capacity (blocks)'\n";
  gp += fmt::format("set ylabel '{} hit ratio ({} mode)'\n", token ? "token" : "block",
                    token ? "prefix" : "block");
  gp += "set yrange [0:*]\nset grid\nset key outside right top\n";
  if (result.mrc || (max_c > 0 && max_c >= 10 * min_c)) gp += "set logscale x\n";
  // Frame the capacities asked for (the MRC line spans them too), with a margin.
  if (max_c > 0)
    gp += fmt::format("set xrange [{}:{}]\n", std::max<uint64_t>(1, min_c / 2), max_c * 2);
  gp += "set terminal pngcairo size 1100,650 font 'sans,11'\n";
  gp += "set output 'hit_ratio_vs_capacity.png'\n" + draw;
  gp += "set terminal svg size 1100,650 dynamic font 'sans,11'\n";
  gp += "set output 'hit_ratio_vs_capacity.svg'\n" + draw;
  gp += "unset output\n";
  write("hit_ratio_vs_capacity.gp", gp);
  if (cmds.empty()) {
    files.plot_warning =
        "no finite capacity to plot (only 'inf'): hit_ratio_vs_capacity.png not drawn";
    return files;
  }
  files.plot_warning = RunGnuplot(output_dir, "hit_ratio_vs_capacity.gp");
  if (files.plot_warning.empty()) {
    files.written.push_back((dir / "hit_ratio_vs_capacity.png").string());
    files.written.push_back((dir / "hit_ratio_vs_capacity.svg").string());
  }
  return files;
}

}  // namespace kvb
