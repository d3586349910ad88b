// Writes a synthetic block trace for the simulator benchmarks: N accesses, Zipf(alpha) over M
// objects (defaults: 20M accesses, alpha 0.9, 4M objects -> about 2.9M distinct blocks).
// Formats: "block" (one id per line) or "oracle" (libCacheSim oracleGeneral, with next-access
// indices, so the same file can be fed to libCacheSim's cachesim).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "zipf.h"

int main(int argc, char** argv) {
  CLI::App app{"gen_zipf_trace: synthetic Zipf block trace for benchmarks"};
  uint64_t accesses = 20'000'000, objects = 4'000'000, seed = 42;
  double alpha = 0.9;
  std::string format = "block", output;
  app.add_option("-n,--accesses", accesses)->capture_default_str();
  app.add_option("-m,--objects", objects)->capture_default_str();
  app.add_option("-a,--alpha", alpha)->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--format", format, "block or oracle")->capture_default_str();
  app.add_option("-o,--output", output)->required();
  CLI11_PARSE(app, argc, argv);
  if (format != "block" && format != "oracle") {
    fmt::print(stderr, "error: --format must be block or oracle\n");
    return 2;
  }
  std::mt19937_64 rng(seed);
  kvb::bench::ZipfGenerator zipf(objects, alpha);
  std::vector<uint64_t> ids(accesses);
  for (auto& id : ids) id = kvb::bench::ZipfGenerator::Scramble(zipf.NextRank(rng));
  std::FILE* out = std::fopen(output.c_str(), "wb");
  if (out == nullptr) {
    fmt::print(stderr, "error: cannot write {}\n", output);
    return 2;
  }
  if (format == "block") {
    std::string buf;
    for (uint64_t id : ids) {
      fmt::format_to(std::back_inserter(buf), "{}\n", id);
      if (buf.size() > (1 << 20)) {
        std::fwrite(buf.data(), 1, buf.size(), out);
        buf.clear();
      }
    }
    std::fwrite(buf.data(), 1, buf.size(), out);
  } else {
    // next_access_vtime: 1-based index of the next request for the same object, -1 if none.
    std::vector<int64_t> next(accesses, -1);
    boost::unordered_flat_map<uint64_t, uint64_t> last;
    for (uint64_t i = accesses; i-- > 0;) {
      auto [it, inserted] = last.try_emplace(ids[i], i);
      if (!inserted) {
        next[i] = static_cast<int64_t>(it->second) + 1;
        it->second = i;
      }
    }
    for (uint64_t i = 0; i < accesses; ++i) {
      unsigned char rec[24];
      const uint32_t time = static_cast<uint32_t>(i);
      const uint32_t size = 1;
      std::memcpy(rec, &time, 4);
      std::memcpy(rec + 4, &ids[i], 8);
      std::memcpy(rec + 12, &size, 4);
      std::memcpy(rec + 16, &next[i], 8);
      std::fwrite(rec, 1, sizeof(rec), out);
    }
  }
  if (std::fclose(out) != 0) {
    fmt::print(stderr, "error: writing {} failed\n", output);
    return 2;
  }
  return 0;
}
