// End-to-end: runs the real cache_simulator binary and checks exit codes, messages and files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

namespace {

namespace fs = std::filesystem;

using Result = kvb::testing::CommandResult;

Result RunCli(const std::string& args) {
  return kvb::testing::RunCommand(std::string(KVB_BIN_DIR) + "/cache_simulator " + args);
}

std::string TempDir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("kvb_e2e_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  return d.string();
}

const std::string kData = KVB_TEST_DATA;

TEST(CacheSimulatorCliTest, WritesTableJsonCsvAndPlots) {
  const std::string out = TempDir("ok");
  const Result r = RunCli("--input-file " + kData +
                          "/alibaba_small.jsonl -p lru,belady,conversation-aware -c 2,4,inf --mrc "
                          "-o " +
                          out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("policy"), std::string::npos);
  EXPECT_NE(r.out.find("conversation-aware"), std::string::npos);
  for (const char* f : {"summary.json", "results.csv", "timeseries.csv", "turns.csv", "mrc.csv",
                        "hit_ratio_vs_capacity.gp", "hit_ratio_vs_capacity.dat",
                        "hit_ratio_vs_capacity.png", "hit_ratio_vs_capacity.svg"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  EXPECT_GT(fs::file_size(fs::path(out) / "hit_ratio_vs_capacity.png"), 1000u);
  std::ifstream in(fs::path(out) / "summary.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["context"]["tool"], "cache_simulator");
  EXPECT_TRUE(j["context"].contains("git_commit"));
  EXPECT_EQ(j["trace"]["requests"], 4);
  EXPECT_EQ(j["results"].size(), 9u);
  // Alibaba sample: 13 block accesses; with an unbounded cache, turn 2 hits [1089 1090] and
  // turn 3 hits [1089 1090 1092] in prefix mode: 5 hits.
  EXPECT_EQ(j["results"][2]["block_hits"], 5);
  fs::remove_all(out);
}

TEST(CacheSimulatorCliTest, MissingFileIsAOneLineErrorWithExitCode2) {
  const Result r = RunCli("--input-file /nonexistent/trace.jsonl");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "error: input file '/nonexistent/trace.jsonl' does not exist\n");
}

TEST(CacheSimulatorCliTest, UnknownFormatPolicyAndCapacityAreErrors) {
  Result r = RunCli("--input-file " + kData + "/mooncake_small.jsonl --format parquet");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown trace format 'parquet'; valid:"), std::string::npos) << r.out;
  r = RunCli("--input-file " + kData + "/mooncake_small.jsonl -p lru,random");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown eviction policy 'random'; valid: lru, fifo"), std::string::npos);
  r = RunCli("--input-file " + kData + "/mooncake_small.jsonl -c 12parsecs");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("invalid capacity '12parsecs'"), std::string::npos);
  r = RunCli("--input-file " + kData + "/mooncake_small.jsonl -c 64GB");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--model"), std::string::npos);
  r = RunCli("--input-file " + kData + "/mooncake_small.jsonl --no-such-flag");
  EXPECT_EQ(r.code, 2);
}

TEST(CacheSimulatorCliTest, MalformedLinesAreReportedAndStrictStops) {
  const std::string out = TempDir("bad");
  Result r = RunCli("--input-file " + kData + "/mooncake_malformed.jsonl -o " + out);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("6 malformed records skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mooncake_malformed.jsonl:2: not valid JSON"), std::string::npos);
  r = RunCli("--input-file " + kData + "/mooncake_malformed.jsonl --strict -o " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("mooncake_malformed.jsonl:2"), std::string::npos) << r.out;
  fs::remove_all(out);
}

TEST(CacheSimulatorCliTest, ByteCapacitiesUseTheModelSpec) {
  const std::string out = TempDir("bytes");
  // Qwen3-8B: 147456 bytes/token; 512-token blocks of Mooncake: 75497472 bytes; 0.2GB -> 2 blocks.
  const Result r = RunCli("--input-file " + kData +
                          "/mooncake_small.jsonl -c 0.2GB --model qwen3-8b "
                          "-o " +
                          out);
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(fs::path(out) / "summary.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["results"][0]["capacity_blocks"], 2);
  fs::remove_all(out);
}

TEST(CacheSimulatorCliTest, ListPoliciesShowsTheRegistry) {
  const Result r = RunCli("--list-policies");
  EXPECT_EQ(r.code, 0);
  for (const char* p : {"lru", "fifo", "lfu", "arc", "s3fifo", "sieve", "belady", "mru", "vllm",
                        "conversation-aware"}) {
    EXPECT_NE(r.out.find(p), std::string::npos) << p;
  }
}

}  // namespace

namespace {

// The Makefile's demo command line, run as `make demo` runs it.
std::string DemoArgs() {
  std::ifstream mk(KVB_SOURCE_DIR "/Makefile");
  std::string line, args;
  bool in = false;
  while (std::getline(mk, line)) {
    if (line.rfind("DEMO_ARGS := ", 0) == 0) {
      in = true;
      line = line.substr(13);
    }
    if (!in) continue;
    const bool more = !line.empty() && line.back() == '\\';
    if (more) line.pop_back();
    args += line + " ";
    if (!more) break;
  }
  return args;
}

TEST(CacheSimulatorCliTest, TheDemoRunsOnTheShippedSample) {
  std::string args = DemoArgs();
  ASSERT_NE(args.find("data/sample_multiturn.jsonl"), std::string::npos) << args;
  const std::string out = TempDir("demo");
  args.replace(args.find("data/"), 5, std::string(KVB_SOURCE_DIR) + "/data/");
  args.replace(args.find("outputs/simulation/demo"), 23, out);
  const Result r = RunCli(args);
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(fs::path(out) / "summary.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["results"].size(), 9u * 5u);
  EXPECT_TRUE(fs::exists(fs::path(out) / "hit_ratio_vs_capacity.png"));
  EXPECT_EQ(j["trace"]["requests"], 922);
  fs::remove_all(out);
}

TEST(TraceGeneratorCliTest, ReproducesTheShippedSampleExactly) {
  const std::string out = TempDir("gen") + ".jsonl";
  const std::string cmd = std::string(KVB_BIN_DIR) +
                          "/trace_generator --conversations 300 --seed 7 --output " + out +
                          " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream a(out), b(KVB_SOURCE_DIR "/data/sample_multiturn.jsonl");
  std::string la, lb;
  std::getline(a, la);  // headers differ (date, commit)
  std::getline(b, lb);
  EXPECT_NE(la.find("\"seed\":7"), std::string::npos) << la;
  size_t n = 0;
  while (std::getline(a, la)) {
    ASSERT_TRUE(std::getline(b, lb)) << "shipped sample is shorter, line " << n + 2;
    ASSERT_EQ(la, lb) << "line " << n + 2;
    ++n;
  }
  EXPECT_FALSE(std::getline(b, lb));
  EXPECT_EQ(n, 922u);
  fs::remove(out);
}

TEST(TraceGeneratorCliTest, BadSpecIsAnInputError) {
  const std::string spec = TempDir("spec") + ".json";
  std::ofstream(spec) << R"({"num_conversations": "many"})";
  const std::string cmd = std::string(KVB_BIN_DIR) + "/trace_generator --spec " + spec +
                          " --output /dev/null > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  fs::remove(spec);
}

}  // namespace
