// Transformer model specifications (configs/models/*.yaml): what KV cache sizing and, later,
// the latency model need. Every number in the shipped files cites its source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kvb {

struct ModelSpec {
  std::string name;     // short name, e.g. "qwen3-8b" (the file name)
  std::string hf_name;  // e.g. "Qwen/Qwen3-8B"
  double params = 0;    // parameter count
  int64_t num_layers = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_attention_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  int64_t max_model_len = 0;
  std::string dtype = "bfloat16";
  std::string source;  // where the numbers come from

  double DtypeBytes() const;
  // K and V for every layer: 2 * layers * kv_heads * head_dim * dtype bytes.
  double KvBytesPerToken() const;
};

// Directory holding configs/ (KVB_CONFIG_DIR, else found next to the executable or the working
// directory). Throws InputError when none exists.
std::string ConfigDir();

// Loads a model spec from a YAML file path. Throws InputError with file:line:col on bad input.
ModelSpec LoadModelSpec(const std::string& path);
// Finds a model by short name ("qwen3-8b"), HF name ("Qwen/Qwen3-8B", case-insensitive) or a
// path to a YAML file. Throws InputError listing the known models.
ModelSpec FindModelSpec(const std::string& name_or_path);
std::vector<std::string> KnownModels();

}  // namespace kvb
