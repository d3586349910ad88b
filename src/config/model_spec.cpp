#include "config/model_spec.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "config/yaml_util.h"
#include "utils/errors.h"

namespace kvb {
namespace fs = std::filesystem;

double ModelSpec::DtypeBytes() const {
  if (dtype == "bfloat16" || dtype == "float16" || dtype == "half") return 2;
  if (dtype == "float32") return 4;
  if (dtype == "fp8" || dtype == "float8") return 1;
  return 2;
}

double ModelSpec::KvBytesPerToken() const {
  return 2.0 * static_cast<double>(num_layers) * static_cast<double>(num_kv_heads) *
         static_cast<double>(head_dim) * DtypeBytes();
}

std::string ConfigDir() {
  if (const char* env = std::getenv("KVB_CONFIG_DIR"); env != nullptr && *env != '\0') {
    if (!fs::is_directory(env)) {
      throw InputError(fmt::format("KVB_CONFIG_DIR='{}' is not a directory", env));
    }
    return env;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // build/<preset>/bin/<tool> -> repository root; or an installed prefix/share/kvcache-bench.
    candidates.push_back(exe.parent_path() / "../../../configs");
    candidates.push_back(exe.parent_path() / "../share/kvcache-bench/configs");
  }
  candidates.push_back(fs::current_path() / "configs");
  for (const auto& c : candidates) {
    if (fs::is_directory(c / "models")) return fs::weakly_canonical(c).string();
  }
  throw InputError(
      "cannot find the configs/ directory (looked next to the executable and in the working "
      "directory); set KVB_CONFIG_DIR");
}

ModelSpec LoadModelSpec(const std::string& path) {
  const YamlMap y = YamlMap::LoadFile(path);
  y.RejectUnknown({"name", "hf_name", "params", "num_layers", "hidden_size", "intermediate_size",
                   "num_attention_heads", "num_kv_heads", "head_dim", "vocab_size", "max_model_len",
                   "dtype", "source"});
  ModelSpec m;
  m.name = y.OptString("name").value_or(fs::path(path).stem().string());
  m.hf_name = y.OptString("hf_name").value_or(m.name);
  m.params = y.GetDouble("params");
  m.num_layers = y.GetInt("num_layers");
  m.hidden_size = y.GetInt("hidden_size");
  m.intermediate_size = y.OptInt("intermediate_size").value_or(0);
  m.num_attention_heads = y.GetInt("num_attention_heads");
  m.num_kv_heads = y.GetInt("num_kv_heads");
  m.head_dim = y.OptInt("head_dim")
                   .value_or(m.num_attention_heads > 0 ? m.hidden_size / m.num_attention_heads : 0);
  m.vocab_size = y.OptInt("vocab_size").value_or(0);
  m.max_model_len = y.GetInt("max_model_len");
  m.dtype = y.OptString("dtype").value_or("bfloat16");
  m.source = y.OptString("source").value_or("");
  const auto positive = [&](const char* key, double v) {
    if (v <= 0) y.Fail(key, fmt::format("must be positive, got {}", v));
  };
  positive("params", m.params);
  positive("num_layers", static_cast<double>(m.num_layers));
  positive("hidden_size", static_cast<double>(m.hidden_size));
  positive("num_attention_heads", static_cast<double>(m.num_attention_heads));
  positive("num_kv_heads", static_cast<double>(m.num_kv_heads));
  positive("head_dim", static_cast<double>(m.head_dim));
  positive("max_model_len", static_cast<double>(m.max_model_len));
  if (m.num_attention_heads % m.num_kv_heads != 0) {
    y.Fail("num_kv_heads", "must divide num_attention_heads");
  }
  static const char* kDtypes[] = {"bfloat16", "float16", "half", "float32", "fp8", "float8"};
  if (std::find(std::begin(kDtypes), std::end(kDtypes), m.dtype) == std::end(kDtypes)) {
    y.Fail("dtype", fmt::format("unknown dtype '{}' (bfloat16, float16, float32, fp8)", m.dtype));
  }
  return m;
}

std::vector<std::string> KnownModels() {
  std::vector<std::string> names;
  const fs::path dir = fs::path(ConfigDir()) / "models";
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

ModelSpec FindModelSpec(const std::string& name_or_path) {
  if (name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml")) {
    if (!fs::exists(name_or_path)) {
      throw InputError(fmt::format("model spec file '{}' does not exist", name_or_path));
    }
    return LoadModelSpec(name_or_path);
  }
  const auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string want = lower(name_or_path);
  const fs::path dir = fs::path(ConfigDir()) / "models";
  for (const auto& stem : KnownModels()) {
    const fs::path p = dir / (stem + ".yaml");
    if (lower(stem) == want) return LoadModelSpec(p.string());
    ModelSpec m = LoadModelSpec(p.string());
    if (lower(m.hf_name) == want || lower(m.name) == want) return m;
  }
  std::string list;
  for (const auto& n : KnownModels()) list += list.empty() ? n : ", " + n;
  throw InputError(fmt::format("unknown model '{}'; known: {} (or pass a path to a model YAML)",
                               name_or_path, list));
}

}  // namespace kvb
