// Shared test helpers: a scratch directory per test, reading a whole trace, zstd compression.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "utils/errors.h"
#include "utils/trace_reader.h"

namespace kvb::testing {

// Fixture base: dir_ is a fresh directory per test, removed afterwards.
class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("kvb_{}_{}_{}", getpid(), info->test_suite_name(), info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `bytes` to dir_/name and returns the path.
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // Compresses `path` with the zstd CLI into dir_; "" when the CLI is missing.
  std::string Zstd(const std::string& path) {
    if (std::system("command -v zstd >/dev/null 2>&1") != 0) return "";
    const std::string zst =
        (dir_ / (std::filesystem::path(path).filename().string() + ".zst")).string();
    if (std::system(fmt::format("zstd -q -f -o '{}' '{}'", zst, path).c_str()) != 0) return "";
    return zst;
  }

  std::filesystem::path dir_;
};

// Every request the reader yields, through NextInto (so buffer reuse is exercised).
inline std::vector<Request> ReadAll(RequestReader& reader) {
  std::vector<Request> out;
  Request r;
  while (reader.NextInto(r)) out.push_back(r);
  return out;
}

// Expects `fn` to throw InputError with `needle` in its message.
template <typename Fn>
void ExpectInputError(Fn&& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no InputError; expected one mentioning: " << needle;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Runs a shell command; its exit code and its stdout and stderr together.
struct CommandResult {
  int code = -1;
  std::string out;
};
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace kvb::testing
