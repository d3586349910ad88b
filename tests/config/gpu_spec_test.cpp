#include "config/gpu_spec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_util.h"
#include "utils/errors.h"

namespace kvb {
namespace {

class GpuSpecTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    setenv("KVB_CONFIG_DIR", KVB_SOURCE_DIR "/configs", 1);
  }
};

TEST_F(GpuSpecTest, ShippedGpusHaveDatasheetNumbers) {
  const GpuSpec h100 = FindGpuSpec("H100");
  EXPECT_EQ(h100.name, "h100");
  EXPECT_DOUBLE_EQ(h100.peak_bf16_flops, 989.4e12);
  EXPECT_DOUBLE_EQ(h100.hbm_bandwidth_bytes_per_s, 3.35e12);
  EXPECT_DOUBLE_EQ(h100.memory_bytes, 81559.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(h100.InterconnectBandwidthBytesPerS(), 450e9);
  EXPECT_DOUBLE_EQ(FindGpuSpec("h200").hbm_bandwidth_bytes_per_s, 4.8e12);
  EXPECT_DOUBLE_EQ(FindGpuSpec("a100-80gb").peak_bf16_flops, 312e12);
  const GpuSpec l40s = FindGpuSpec("l40s");
  EXPECT_DOUBLE_EQ(l40s.peak_bf16_flops, 362.05e12);
  // No NVLink: all-reduces go over PCIe.
  EXPECT_DOUBLE_EQ(l40s.InterconnectBandwidthBytesPerS(), 32e9);
  for (const auto& name : KnownGpus()) {
    const GpuSpec g = FindGpuSpec(name);
    EXPECT_FALSE(g.source.empty()) << name;
  }
  EXPECT_EQ(KnownGpus().size(), 4u);
}

TEST_F(GpuSpecTest, FindsByPath) {
  EXPECT_EQ(FindGpuSpec(KVB_SOURCE_DIR "/configs/gpus/h200.yaml").name, "h200");
  EXPECT_THROW(FindGpuSpec("/nonexistent/gpu.yaml"), InputError);
}

TEST_F(GpuSpecTest, UnknownGpuListsKnownOnes) {
  try {
    FindGpuSpec("b300");
    FAIL();
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown GPU 'b300'"), std::string::npos) << what;
    EXPECT_NE(what.find("a100-80gb, h100, h200, l40s"), std::string::npos) << what;
  }
}

TEST_F(GpuSpecTest, BadYamlNamesFileLineAndKey) {
  const std::string base =
      "peak_bf16_flops: 1e15\nhbm_bandwidth_bytes_per_s: 3e12\nmemory_bytes: 8e10\n"
      "host_bandwidth_bytes_per_s: 6.4e10\n";
  const auto expect_error = [](const std::string& path, const std::string& needle) {
    testing::ExpectInputError([&] { LoadGpuSpec(path); }, needle);
  };
  expect_error(Write("kvb_g1.yaml",
                     "peak_bf16_flops: 1e15\nhbm_bandwidth_bytes_per_s: -3e12\nmemory_bytes: 8e10\n"
                     "host_bandwidth_bytes_per_s: 6.4e10\n"),
               "kvb_g1.yaml:2:28: hbm_bandwidth_bytes_per_s: must be positive");
  expect_error(Write("kvb_g2.yaml", base + "tflops: 3\n"), "kvb_g2.yaml:5:1: tflops: unknown key");
  expect_error(Write("kvb_g3.yaml", base + "mfu: 1.5\n"),
               "kvb_g3.yaml:5:6: mfu: must be in (0, 1]");
  expect_error(Write("kvb_g4.yaml", base + "step_overhead_s: -1\n"),
               "step_overhead_s: must not be negative");
  expect_error(Write("kvb_g5.yaml", "peak_bf16_flops: 1e15\n"),
               "hbm_bandwidth_bytes_per_s: required key is missing");
  expect_error(Write("kvb_g6.yaml", base + "nvlink_bandwidth_bytes_per_s: fast\n"),
               "kvb_g6.yaml:5:31: nvlink_bandwidth_bytes_per_s: expected a number");
  const GpuSpec g = LoadGpuSpec(Write("kvb_g7.yaml", base));
  EXPECT_EQ(g.name, "kvb_g7");
  EXPECT_DOUBLE_EQ(g.latency.mfu, LatencyParams{}.mfu);
  EXPECT_DOUBLE_EQ(g.InterconnectBandwidthBytesPerS(), 6.4e10);
}

}  // namespace
}  // namespace kvb
