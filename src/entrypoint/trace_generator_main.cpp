// trace_generator: writes a synthetic multi-turn workload (src/utils/synthetic_workload.h) as a
// request log that cache_simulator (and later cache_replay) read. Thin main.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "utils/errors.h"
#include "utils/guarded_main.h"
#include "utils/request_log.h"
#include "utils/synthetic_workload.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{"trace_generator: synthetic multi-turn conversations as a request log"};
  std::string spec_path, output;
  uint64_t seed = 1;
  std::optional<uint64_t> conversations;
  bool print_spec = false;
  app.add_option("--spec", spec_path,
                 "JSON spec (keys as vLLM's multi-turn generator; see docs/formats.md); default: "
                 "the built-in mix");
  app.add_option("--seed", seed, "random seed (written into the file)")->capture_default_str();
  app.add_option("-n,--conversations", conversations, "override num_conversations");
  app.add_option("-o,--output", output, "request log to write (.jsonl)");
  app.add_flag("--print-spec", print_spec, "print the effective spec as JSON and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  nlohmann::json spec_json = nlohmann::json::object();
  if (!spec_path.empty()) {
    std::ifstream in(spec_path);
    if (!in) throw kvb::InputError(fmt::format("cannot read spec '{}'", spec_path));
    try {
      spec_json = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
      throw kvb::InputError(fmt::format("{}: invalid JSON: {}", spec_path, e.what()));
    }
  }
  kvb::MultiTurnSpec spec =
      kvb::ParseMultiTurnSpec(spec_json, spec_path.empty() ? "spec" : spec_path);
  if (conversations) {
    spec.num_conversations = *conversations;
    kvb::ValidateMultiTurnSpec(spec);
  }
  nlohmann::json effective = kvb::MultiTurnSpecToJson(spec);
  if (print_spec) {
    fmt::print("{}\n", effective.dump(2));
    return 0;
  }
  if (output.empty()) throw kvb::InputError("--output is required (see --help)");
  std::mt19937_64 rng(seed);
  const std::vector<kvb::Request> requests = kvb::GenerateMultiTurn(spec, rng);
  nlohmann::json extra = {{"seed", seed}, {"spec", effective}};
  kvb::RequestLogWriter writer(output, {"trace_generator", &extra});
  for (const auto& r : requests) writer.Write(r);
  writer.Close();
  fmt::print("{}: {} requests in {} conversations (seed {})\n", output, requests.size(),
             spec.num_conversations, seed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return kvb::GuardedMain([&] { return Run(argc, argv); });
}
