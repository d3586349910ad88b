// End-to-end: the real cache_replay binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

namespace fs = std::filesystem;

using Result = kvb::testing::CommandResult;

Result Replay(const std::string& args) {
  return kvb::testing::RunCommand(std::string(KVB_BIN_DIR) + "/cache_replay " + args);
}

std::string Dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("kvb_replay_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  return d.string();
}

// The request lines of a request log (the header has a date and differs between runs).
std::vector<std::string> Body(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

const std::string kSample = KVB_SOURCE_DIR "/data/sample_multiturn.jsonl";

TEST(CacheReplayCliTest, ReplaysTheSampleAndWritesResults) {
  const std::string out = Dir("sample");
  const Result r = Replay("--input-file " + kSample +
                          " --num-gpu-blocks 4000 --cpu-cache 20GB --time-scale 4 -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("hit ratio"), std::string::npos) << r.out;
  for (const char* f : {"summary.json", "requests.jsonl", "timeseries.csv", "ttft_cdf.gp",
                        "ttft_cdf.png", "ttft_cdf.svg"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  std::ifstream in(fs::path(out) / "summary.json");
  const auto j = nlohmann::json::parse(in);
  const auto& res = j["results"];
  EXPECT_EQ(res["completed"], 922);
  EXPECT_EQ(res["failed"], 0);
  for (const char* key : {"mean_ttft_ms", "median_ttft_ms", "p99_ttft_ms", "mean_tpot_ms",
                          "p99_tpot_ms", "mean_e2el_ms", "request_throughput", "output_throughput",
                          "gpu_hit_ratio", "cpu_hit_ratio"}) {
    EXPECT_TRUE(res.contains(key)) << key;
  }
  EXPECT_GT(res["mean_ttft_ms"].get<double>(), 0);
  EXPECT_GT(res["gpu_hit_ratio"].get<double>(), 0.1);  // multi-turn prefixes hit
  EXPECT_EQ(j["config"]["num_gpu_blocks"], 4000);
  // The request log is a request log: cache_simulator reads it back.
  const std::string sim = std::string(KVB_BIN_DIR) + "/cache_simulator -q -i " + out +
                          "/requests.jsonl -o " + out + "/sim > /dev/null 2>&1";
  EXPECT_EQ(std::system(sim.c_str()), 0);
  EXPECT_EQ(Body(out + "/requests.jsonl").size(), 922u);
  fs::remove_all(out);
}

TEST(CacheReplayCliTest, IsDeterministic) {
  const std::string a = Dir("det_a"), b = Dir("det_b");
  const std::string args =
      "--input-file " + kSample + " --num-gpu-blocks 1500 --max-model-len 16384 --cpu-cache 2GB ";
  ASSERT_EQ(Replay(args + "-o " + a).code, 0);
  ASSERT_EQ(Replay(args + "-o " + b).code, 0);
  EXPECT_EQ(Body(a + "/requests.jsonl"), Body(b + "/requests.jsonl"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(CacheReplayCliTest, ClientModeIsNotAvailableYet) {
  const Result r = Replay("--mode client --input-file " + kSample);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("not available yet"), std::string::npos) << r.out;
}

TEST(CacheReplayCliTest, BadConfigurationsAreClearErrors) {
  const std::string out = Dir("bad");
  Result r = Replay("--input-file " + kSample + " --gpu b200 -o " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("h100"), std::string::npos) << r.out;  // lists the known GPUs
  r = Replay("--input-file " + kSample + " --num-gpu-blocks -5 -o " + out);
  EXPECT_EQ(r.code, 2) << r.out;
  r = Replay("--input-file " + kSample + " --num-gpu-blocks 10 -o " + out);
  EXPECT_EQ(r.code, 2) << r.out;  // too small for one max_model_len request
  r = Replay("--input-file " + kSample + " --cpu-cache 1GB -p nosuch -o " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown eviction policy"), std::string::npos) << r.out;
  r = Replay("--input-file /nonexistent.jsonl -o " + out);
  EXPECT_EQ(r.code, 2);
  fs::remove_all(out);
}

}  // namespace
