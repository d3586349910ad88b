#include "utils/read_issues.h"

#include <fmt/format.h>

#include "utils/errors.h"

namespace kvb {

void ReadIssues::Add(uint64_t line, const std::string& why) {
  std::string msg = fmt::format("{}:{}: {}", path_, line, why);
  if (strict_) throw InputError(msg + " (--strict: stopping at the first malformed record)");
  ++count_;
  if (messages_.size() < keep_) messages_.push_back(std::move(msg));
}

void ReadIssues::Warn(const std::string& what) { warnings_.push_back(what); }

std::string ReadIssues::Summary() const {
  std::string out;
  for (const auto& w : warnings_) out += fmt::format("warning: {}\n", w);
  if (count_ == 0) return out;
  out += fmt::format("warning: {} malformed record{} skipped in {}\n", count_,
                     count_ == 1 ? "" : "s", path_);
  for (const auto& m : messages_) out += fmt::format("  {}\n", m);
  if (count_ > messages_.size()) {
    out += fmt::format("  ... and {} more\n", count_ - messages_.size());
  }
  return out;
}

}  // namespace kvb
