// Reading YAML into typed values with errors that name file:line:column and the key path.
// Heavy yaml-cpp headers stay in this folder's .cpp files; this header only forward-declares.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace kvb {

// A mapping node with its location; every accessor checks the type and throws InputError
// "<file>:<line>:<col>: <path>: expected a number, got 'abc'".
class YamlMap {
 public:
  // Loads a file whose top level must be a mapping. Throws InputError on I/O or syntax errors.
  static YamlMap LoadFile(const std::string& path);
  YamlMap(std::string file, std::string path, std::shared_ptr<YAML::Node> node);

  bool Has(const std::string& key) const;
  std::string GetString(const std::string& key) const;
  std::optional<std::string> OptString(const std::string& key) const;
  double GetDouble(const std::string& key) const;
  std::optional<double> OptDouble(const std::string& key) const;
  int64_t GetInt(const std::string& key) const;
  std::optional<int64_t> OptInt(const std::string& key) const;
  // Every key not in `known` is an error naming it and the known keys.
  void RejectUnknown(const std::set<std::string>& known) const;
  // Error located at `key` (or at the map itself when the key is absent).
  [[noreturn]] void Fail(const std::string& key, const std::string& why) const;

  const std::string& file() const { return file_; }

 private:
  std::string Where(const std::string& key) const;
  std::string file_;
  std::string path_;  // dotted key path of this map ("" at top level)
  std::shared_ptr<YAML::Node> node_;
};

}  // namespace kvb
