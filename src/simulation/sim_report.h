// Writing simulator results: a table for the terminal, and under an output directory a JSON
// summary (with a context block saying what produced it), CSVs and a gnuplot figure.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "simulation/simulator.h"

namespace kvb {

// Human-readable table, one row per (policy, capacity).
std::string FormatResultTable(const SimulationResult& result);

// Context block of every result file: tool, version, commit, build, host, date, command line.
nlohmann::json ResultContext(const std::string& tool, const std::vector<std::string>& argv);

struct ReportFiles {
  std::vector<std::string> written;  // paths of files written
  std::string plot_warning;          // why a plot is missing ("" if drawn)
};

// Writes summary.json, results.csv, timeseries.csv, turns.csv, mrc.csv (with --mrc), and
// hit_ratio_vs_capacity.{dat,gp,png,svg}. The numbers are written before plotting is tried, so a
// missing gnuplot loses nothing. Throws InputError when the directory cannot be written.
ReportFiles WriteSimulationReport(const SimulationResult& result, const SimulationConfig& config,
                                  const nlohmann::json& context, const std::string& output_dir);

// Runs gnuplot on `script` (in `dir`); returns "" on success or a one-line reason.
std::string RunGnuplot(const std::string& dir, const std::string& script);

}  // namespace kvb
