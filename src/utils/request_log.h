// The project's request log: JSONL, one request per line, preceded by one header line that says
// what produced the file. Schema in docs/formats.md. Written by the simulator's generators, the
// engine (cache_replay), the emulated server and the benchmark client; read back by
// OpenRequestLog (trace_reader.h), so every producer's output feeds cache_simulator.
#pragma once

#include <cstdio>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "utils/request.h"

namespace kvb {

inline constexpr int kRequestLogVersion = 1;

// Header fields beyond the fixed ones (tool, version, commit, created): the producer's effective
// configuration, seed, etc.
struct RequestLogHeader {
  std::string tool;                 // e.g. "trace_generator", "emulated_server"
  nlohmann::json* extra = nullptr;  // optional object merged into the header (not owned)
};

class RequestLogWriter {
 public:
  // Creates/truncates `path` (parent directories are created). Throws InputError on failure.
  RequestLogWriter(const std::string& path, const RequestLogHeader& header);
  ~RequestLogWriter();
  RequestLogWriter(const RequestLogWriter&) = delete;
  RequestLogWriter& operator=(const RequestLogWriter&) = delete;

  void Write(const Request& r);
  // Flushes and closes; throws InputError if the data could not be written.
  void Close();
  uint64_t count() const { return count_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t count_ = 0;
  std::string line_;
};

// One request as a JSON line (no trailing newline). Exposed for tests and the HTTP server.
std::string RequestToJsonLine(const Request& r);

}  // namespace kvb
