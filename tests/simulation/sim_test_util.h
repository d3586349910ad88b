// Helpers for simulator tests: write small request logs to temporary files.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "utils/request_log.h"

namespace kvb::testing {

// A request for tests: block ids, with block_size tokens each (last block full).
struct TestRequest {
  std::vector<uint64_t> blocks;
  int64_t conversation = -1;
  int32_t turn = 0;
  double arrival_s = -1;  // default: the request's index
  std::string type;
};

inline std::string TempFile(const std::string& stem) {
  static std::atomic<int> counter{0};
  return (std::filesystem::temp_directory_path() /
          (stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".jsonl"))
      .string();
}

inline std::string WriteLog(const std::vector<TestRequest>& requests, uint32_t block_size = 1) {
  const std::string path = TempFile("kvb_sim");
  RequestLogWriter w(path, {"test"});
  for (size_t i = 0; i < requests.size(); ++i) {
    Request r;
    r.request_id = std::to_string(i);
    r.arrival_s = requests[i].arrival_s >= 0 ? requests[i].arrival_s : static_cast<double>(i);
    if (requests[i].conversation >= 0) r.conversation_id = requests[i].conversation;
    r.turn = requests[i].turn;
    r.type = requests[i].type;
    r.block_size = block_size;
    r.block_hashes = requests[i].blocks;
    r.input_tokens = static_cast<int64_t>(requests[i].blocks.size()) * block_size;
    w.Write(r);
  }
  w.Close();
  return path;
}

// One single-block request per key: a plain block trace.
inline std::string WriteBlockLog(const std::vector<uint64_t>& keys) {
  std::vector<TestRequest> reqs;
  for (uint64_t k : keys) reqs.push_back(TestRequest{.blocks = {k}});
  return WriteLog(reqs);
}

}  // namespace kvb::testing

namespace kvb::testing {
// For rapidcheck counterexamples.
inline void showValue(const TestRequest& r, std::ostream& os) {
  os << "{";
  for (size_t i = 0; i < r.blocks.size(); ++i) os << (i ? " " : "") << r.blocks[i];
  os << "}";
}
}  // namespace kvb::testing
