#include "config/yaml_util.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>

#include "utils/errors.h"

namespace kvb {

YamlMap YamlMap::LoadFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(fmt::format("cannot read YAML file '{}'", path));
  } catch (const YAML::ParserException& e) {
    throw InputError(fmt::format("{}:{}:{}: YAML syntax error: {}", path, e.mark.line + 1,
                                 e.mark.column + 1, e.msg));
  }
  if (!root.IsMap()) {
    throw InputError(fmt::format("{}: expected a mapping of keys at the top level", path));
  }
  return YamlMap(path, "", std::make_shared<YAML::Node>(root));
}

YamlMap::YamlMap(std::string file, std::string path, std::shared_ptr<YAML::Node> node)
    : file_(std::move(file)), path_(std::move(path)), node_(std::move(node)) {}

std::string YamlMap::Where(const std::string& key) const {
  YAML::Mark mark = node_->Mark();
  if (!key.empty() && (*node_)[key]) mark = (*node_)[key].Mark();
  const std::string full = path_.empty() ? key : (key.empty() ? path_ : path_ + "." + key);
  return fmt::format("{}:{}:{}: {}", file_, mark.line + 1, mark.column + 1, full);
}

void YamlMap::Fail(const std::string& key, const std::string& why) const {
  throw InputError(fmt::format("{}: {}", Where(key), why));
}

bool YamlMap::Has(const std::string& key) const { return static_cast<bool>((*node_)[key]); }

std::optional<std::string> YamlMap::OptString(const std::string& key) const {
  const YAML::Node n = (*node_)[key];
  if (!n) return std::nullopt;
  if (!n.IsScalar()) Fail(key, "expected a string");
  return n.as<std::string>();
}

std::string YamlMap::GetString(const std::string& key) const {
  auto v = OptString(key);
  if (!v) Fail(key, "required key is missing");
  return *v;
}

std::optional<double> YamlMap::OptDouble(const std::string& key) const {
  const YAML::Node n = (*node_)[key];
  if (!n) return std::nullopt;
  if (!n.IsScalar()) Fail(key, "expected a number");
  const std::string s = n.Scalar();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    Fail(key, fmt::format("expected a number, got '{}'", s));
  }
  return v;
}

double YamlMap::GetDouble(const std::string& key) const {
  auto v = OptDouble(key);
  if (!v) Fail(key, "required key is missing");
  return *v;
}

std::optional<int64_t> YamlMap::OptInt(const std::string& key) const {
  const YAML::Node n = (*node_)[key];
  if (!n) return std::nullopt;
  if (!n.IsScalar()) Fail(key, "expected an integer");
  const std::string s = n.Scalar();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    // Accept integral values written as floats ("8.0e9" params).
    double d = 0;
    auto [p2, e2] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (e2 != std::errc() || p2 != s.data() + s.size() || d != std::floor(d) ||
        std::abs(d) > 9e18) {
      Fail(key, fmt::format("expected an integer, got '{}'", s));
    }
    v = static_cast<int64_t>(d);
  }
  return v;
}

int64_t YamlMap::GetInt(const std::string& key) const {
  auto v = OptInt(key);
  if (!v) Fail(key, "required key is missing");
  return *v;
}

void YamlMap::RejectUnknown(const std::set<std::string>& known) const {
  for (const auto& kv : *node_) {
    const std::string key = kv.first.as<std::string>();
    if (!known.contains(key)) {
      std::string list;
      for (const auto& k : known) list += list.empty() ? k : ", " + k;
      const std::string full = path_.empty() ? key : path_ + "." + key;
      throw InputError(fmt::format("{}:{}:{}: {}: unknown key (known: {})", file_,
                                   kv.first.Mark().line + 1, kv.first.Mark().column + 1, full,
                                   list));
    }
  }
}

}  // namespace kvb
