// Collects malformed input found while reading a trace: every bad line is counted, the first few
// are kept with file:line and the reason, and in strict mode the first one is fatal. Nothing is
// skipped silently: callers print Summary() when a read ends with problems.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kvb {

class ReadIssues {
 public:
  ReadIssues(std::string path, bool strict, size_t keep = 20)
      : path_(std::move(path)), strict_(strict), keep_(keep) {}

  // Records a malformed record at `line` (1-based; for binary files the record index). Throws
  // InputError in strict mode.
  void Add(uint64_t line, const std::string& why);
  // A problem with the input as a whole that did not stop the read (e.g. truncated token lists).
  void Warn(const std::string& what);

  uint64_t count() const { return count_; }
  const std::vector<std::string>& messages() const { return messages_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  bool strict() const { return strict_; }
  // "N malformed lines in F (first: ...)" plus the kept messages, one per line; "" when clean.
  std::string Summary() const;

 private:
  std::string path_;
  bool strict_;
  size_t keep_;
  uint64_t count_ = 0;
  std::vector<std::string> messages_;
  std::vector<std::string> warnings_;
};

}  // namespace kvb
