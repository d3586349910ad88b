#include "config/model_spec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_util.h"
#include "utils/errors.h"

namespace kvb {
namespace {

class ModelSpecTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    setenv("KVB_CONFIG_DIR", KVB_SOURCE_DIR "/configs", 1);
  }
};

TEST_F(ModelSpecTest, ShippedModelsHaveRealNumbers) {
  const ModelSpec q = FindModelSpec("qwen3-8b");
  EXPECT_EQ(q.num_layers, 36);
  EXPECT_EQ(q.num_kv_heads, 8);
  EXPECT_EQ(q.head_dim, 128);
  // 2 (K,V) * 36 layers * 8 heads * 128 dims * 2 bytes.
  EXPECT_DOUBLE_EQ(q.KvBytesPerToken(), 147456.0);
  EXPECT_DOUBLE_EQ(FindModelSpec("Qwen/Qwen2.5-7B-Instruct").KvBytesPerToken(), 57344.0);
  EXPECT_DOUBLE_EQ(FindModelSpec("llama-3.1-8b").KvBytesPerToken(), 131072.0);
  EXPECT_DOUBLE_EQ(FindModelSpec("llama-3-70b").KvBytesPerToken(), 327680.0);
  for (const auto& name : KnownModels()) EXPECT_NO_THROW(FindModelSpec(name)) << name;
}

TEST_F(ModelSpecTest, UnknownModelListsKnownOnes) {
  try {
    FindModelSpec("gpt-17");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("qwen3-8b"), std::string::npos);
  }
}

TEST_F(ModelSpecTest, BadYamlNamesFileLineAndKey) {
  const std::string base =
      "params: 8e9\nnum_layers: 32\nhidden_size: 4096\nnum_attention_heads: 32\n"
      "num_kv_heads: 8\nmax_model_len: 8192\n";
  const auto expect_error = [](const std::string& path, const std::string& needle) {
    testing::ExpectInputError([&] { LoadModelSpec(path); }, needle);
  };
  expect_error(Write("kvb_m1.yaml", base + "num_layers2: 3\n"),
               "kvb_m1.yaml:7:1: num_layers2: unknown key");
  expect_error(Write("kvb_m2.yaml", "params: lots\n" + base.substr(12)),
               "kvb_m2.yaml:1:9: params: expected a number");
  expect_error(Write("kvb_m3.yaml", base + "dtype: int3\n"), "dtype: unknown dtype");
  expect_error(Write("kvb_m4.yaml", "params: [1, 2\n"), "kvb_m4.yaml:2:1: YAML syntax error");
  expect_error(Write("kvb_m5.yaml", "params: 8e9\n"), "num_layers: required key is missing");
  expect_error(Write("kvb_m6.yaml",
                     "params: 8e9\nnum_layers: 32\nhidden_size: 4096\nnum_attention_heads: 32\n"
                     "num_kv_heads: 8\nmax_model_len: -1\n"),
               "max_model_len: must be positive");
  EXPECT_NO_THROW(LoadModelSpec(Write("kvb_m7.yaml", base)));
}

}  // namespace
}  // namespace kvb
