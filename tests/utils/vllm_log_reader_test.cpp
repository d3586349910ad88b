#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "test_util.h"
#include "utils/block_hash.h"
#include "utils/errors.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

const std::string kData = KVB_TEST_DATA;

class VllmLogReaderTest : public testing::ScratchDirTest {};

std::vector<uint32_t> Range(uint32_t begin, uint32_t end) {
  std::vector<uint32_t> v(end - begin);
  std::iota(v.begin(), v.end(), begin);
  return v;
}

std::vector<uint32_t> Concat(std::vector<uint32_t> a, const std::vector<uint32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<uint64_t> Hashes(const std::vector<uint32_t>& tokens, uint32_t block_size = 16) {
  std::vector<uint64_t> out;
  HashTokenBlocks(tokens, block_size, out);
  return out;
}

std::string List(const std::vector<uint32_t>& tokens) {
  return fmt::format("[{}]", fmt::join(tokens, ", "));
}

std::string Params(const std::string& max_tokens) {
  return fmt::format(
      "SamplingParams(n=1, presence_penalty=0.0, temperature=0.7, top_p=1.0, stop=[], "
      "stop_token_ids=[], ignore_eos=False, max_tokens={}, min_tokens=0, logprobs=None)",
      max_tokens);
}

// An old-layout (<= 0.11.0) request line.
std::string OldLine(const std::string& time, const std::string& id,
                    const std::vector<uint32_t>& tokens, const std::string& max_tokens = "16") {
  return fmt::format(
      "INFO 10-01 {} logger.py:36] Received request {}: prompt: 'p', params: {}, "
      "prompt_token_ids: {}, lora_request: None, prompt_adapter_request: None.\n",
      time, id, Params(max_tokens), List(tokens));
}

std::string NewInfo(const std::string& time, const std::string& id,
                    const std::string& max_tokens = "16") {
  return fmt::format(
      "INFO 03-15 {} [logger.py:55] Received request {}: params: {}, "
      "lora_request: None.\n",
      time, id, Params(max_tokens));
}

std::string NewDetails(const std::string& time, const std::string& id,
                       const std::vector<uint32_t>& tokens) {
  return fmt::format(
      "DEBUG 03-15 {} [logger.py:49] Request {} details: prompt: 'p', "
      "prompt_token_ids: {}, prompt_embeds shape: None.\n",
      time, id, List(tokens));
}

using testing::ReadAll;

std::vector<Request> ReadAll(const std::string& path, ReadOptions options = {}) {
  auto reader = OpenVllmLog(path, options);
  return ReadAll(*reader);
}

TEST_F(VllmLogReaderTest, ReadsOldLayout) {
  auto reader = OpenVllmLog(kData + "/vllm_old.log", {});
  const auto requests = ReadAll(*reader);
  EXPECT_EQ(reader->issues().count(), 0u) << reader->issues().Summary();
  EXPECT_TRUE(reader->issues().warnings().empty()) << reader->issues().Summary();
  ASSERT_EQ(requests.size(), 4u);

  const auto t1 = Range(1, 41);
  EXPECT_EQ(requests[0].request_id, "cmpl-c52d1e8a-0");
  EXPECT_DOUBLE_EQ(requests[0].arrival_s, 0);
  EXPECT_EQ(requests[0].output_tokens, 16);
  EXPECT_EQ(requests[0].input_tokens, 40);
  EXPECT_EQ(requests[0].block_size, 16u);
  EXPECT_EQ(requests[0].block_hashes, Hashes(t1));
  EXPECT_EQ(requests[0].block_hashes.size(), 2u);
  EXPECT_FALSE(requests[0].conversation_id.has_value());
  EXPECT_EQ(requests[0].turn, 0);

  // The prompt quotes ", prompt_token_ids: [9, 9]" and the stop words quote "max_tokens=99";
  // max_tokens=None maps to 0.
  const auto t2 = Concat(Range(1, 33), Range(500, 511));
  EXPECT_EQ(requests[1].request_id, "cmpl-7f3e-0");
  EXPECT_DOUBLE_EQ(requests[1].arrival_s, 2);
  EXPECT_EQ(requests[1].output_tokens, 0);
  EXPECT_EQ(requests[1].input_tokens, 43);
  EXPECT_EQ(requests[1].block_hashes, Hashes(t2));
  // Shared prefix: the first two blocks are the same as request 1's.
  EXPECT_EQ(requests[1].block_hashes, requests[0].block_hashes);

  // ANSI-coloured "(APIServer pid=N)" prefix, prompt None, fewer tokens than a block.
  EXPECT_EQ(requests[2].request_id, "cmpl-9-0");
  EXPECT_DOUBLE_EQ(requests[2].arrival_s, 35);
  EXPECT_EQ(requests[2].output_tokens, 128);
  EXPECT_EQ(requests[2].input_tokens, 7);
  EXPECT_TRUE(requests[2].block_hashes.empty());

  // VLLM_LOGGING_PREFIX, "[file:line]" header and "prompt_embeds shape" (0.9-0.11.0).
  EXPECT_EQ(requests[3].request_id, "chatcmpl-ab12");
  EXPECT_DOUBLE_EQ(requests[3].arrival_s, 93);
  EXPECT_EQ(requests[3].output_tokens, 64);
  EXPECT_EQ(requests[3].input_tokens, 48);
  EXPECT_EQ(requests[3].block_hashes, Hashes(Range(1000, 1048)));

  const TraceInfo info = reader->info();
  EXPECT_EQ(info.format, TraceFormat::kVllmLog);
  EXPECT_EQ(info.block_size, 16u);
  EXPECT_FALSE(info.has_conversations);
  EXPECT_TRUE(info.has_timestamps);
}

TEST_F(VllmLogReaderTest, ReadsNewLayoutPairingInfoAndDebugInEitherOrder) {
  auto reader = OpenVllmLog(kData + "/vllm_new.log", {});
  const auto requests = ReadAll(*reader);
  EXPECT_EQ(reader->issues().count(), 0u) << reader->issues().Summary();
  ASSERT_EQ(requests.size(), 5u);
  // DEBUG then INFO.
  EXPECT_EQ(requests[0].request_id, "chatcmpl-1");
  EXPECT_DOUBLE_EQ(requests[0].arrival_s, 0);
  EXPECT_EQ(requests[0].output_tokens, 100);
  EXPECT_EQ(requests[0].input_tokens, 40);
  EXPECT_EQ(requests[0].block_hashes, Hashes(Range(1, 41)));
  // INFO then DEBUG.
  EXPECT_EQ(requests[1].request_id, "chatcmpl-2");
  EXPECT_DOUBLE_EQ(requests[1].arrival_s, 2);
  EXPECT_EQ(requests[1].output_tokens, 7);
  EXPECT_EQ(requests[1].input_tokens, 36);
  EXPECT_EQ(requests[1].block_hashes, Hashes(Concat(Range(1, 33), Range(9000, 9004))));
  // Coloured level/timestamp/file (ColoredFormatter); prompt quoting the token-list marker.
  EXPECT_EQ(requests[2].request_id, "chatcmpl-3");
  EXPECT_DOUBLE_EQ(requests[2].arrival_s, 5);
  EXPECT_EQ(requests[2].output_tokens, 5);
  EXPECT_EQ(requests[2].block_hashes, Hashes(Range(2000, 2016)));
  EXPECT_EQ(requests[2].block_hashes.size(), 1u);
  // Interleaved pairs: 4 and 5 log their details, then 5 and 4 their INFO lines. A request is
  // yielded when its pair completes; arrival is the INFO line's time.
  EXPECT_EQ(requests[3].request_id, "chatcmpl-5");
  EXPECT_DOUBLE_EQ(requests[3].arrival_s, 6);
  EXPECT_EQ(requests[3].output_tokens, 2);
  EXPECT_EQ(requests[3].block_hashes, Hashes(Range(4000, 4032)));
  EXPECT_EQ(requests[4].request_id, "chatcmpl-4");
  EXPECT_DOUBLE_EQ(requests[4].arrival_s, 7);
  EXPECT_EQ(requests[4].output_tokens, 1);
  EXPECT_EQ(requests[4].input_tokens, 20);
  EXPECT_EQ(requests[4].block_hashes, Hashes(Range(3000, 3020)));
}

TEST_F(VllmLogReaderTest, BlockSizeOption) {
  ReadOptions options;
  options.block_size = 8;
  auto reader = OpenVllmLog(kData + "/vllm_old.log", options);
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(reader->info().block_size, 8u);
  EXPECT_EQ(requests[0].block_size, 8u);
  EXPECT_EQ(requests[0].block_hashes, Hashes(Range(1, 41), 8));
  EXPECT_EQ(requests[0].block_hashes.size(), 5u);
}

TEST_F(VllmLogReaderTest, ReusesTheOutputBuffers) {
  const std::string path = Write("reuse.log", OldLine("00:00:00", "a", Range(0, 160)) +
                                                  OldLine("00:00:01", "b", Range(0, 32)));
  auto reader = OpenVllmLog(path, {});
  Request r;
  ASSERT_TRUE(reader->NextInto(r));
  ASSERT_EQ(r.block_hashes.size(), 10u);
  const uint64_t* data = r.block_hashes.data();
  ASSERT_TRUE(reader->NextInto(r));
  EXPECT_EQ(r.request_id, "b");
  EXPECT_EQ(r.block_hashes.size(), 2u);
  EXPECT_EQ(r.block_hashes.data(), data);
  EXPECT_FALSE(reader->NextInto(r));
}

TEST_F(VllmLogReaderTest, YearWrap) {
  const std::string path = Write(
      "wrap.log",
      "INFO 12-31 23:59:58 logger.py:36] Received request a: prompt: 'p', params: " + Params("1") +
          ", prompt_token_ids: [1], lora_request: None.\n" +
          "INFO 01-01 00:00:03 logger.py:36] Received request b: prompt: 'p', params: " +
          Params("1") + ", prompt_token_ids: [1], lora_request: None.\n");
  const auto requests = ReadAll(path);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_DOUBLE_EQ(requests[1].arrival_s, 5);
}

TEST_F(VllmLogReaderTest, ReportsMalformedRequestLines) {
  const std::string p = "params: " + Params("16");
  const std::vector<std::string> bad = {
      // 1: cut inside the prompt
      "INFO 10-01 18:43:27 logger.py:36] Received request c1: prompt: 'How to ma",
      // 2: cut inside the token list
      "INFO 10-01 18:43:27 logger.py:36] Received request c2: prompt: 'x', " + p +
          ", prompt_token_ids: [1, 2, 3",
      // 3: bad integer
      "INFO 10-01 18:43:27 logger.py:36] Received request c3: prompt: 'x', " + p +
          ", prompt_token_ids: [1, x2, 3], lora_request: None.",
      // 4: no max_tokens (pooling request)
      "INFO 10-01 18:43:27 logger.py:36] Received request c4: prompt: 'x', params: "
      "PoolingParams(dimensions=None), prompt_token_ids: [1, 2], lora_request: None.",
      // 5: prompt_token_ids None
      "INFO 10-01 18:43:27 logger.py:36] Received request c5: prompt: 'x', " + p +
          ", prompt_token_ids: None, lora_request: None.",
      // 6: token id does not fit 32 bits
      "INFO 10-01 18:43:27 logger.py:36] Received request c6: prompt: 'x', " + p +
          ", prompt_token_ids: [1, 4294967296], lora_request: None.",
      // 7: bad max_tokens
      "INFO 10-01 18:43:27 logger.py:36] Received request c7: prompt: 'x', " +
          std::string("params: SamplingParams(n=1, max_tokens=lots), ") +
          "prompt_token_ids: [1], lora_request: None.",
      // 8: impossible date
      "INFO 13-45 18:43:27 logger.py:36] Received request c8: prompt: 'x', " + p +
          ", prompt_token_ids: [1], lora_request: None.",
      // 9: no header
      "Received request c9: prompt: 'x', " + p + ", prompt_token_ids: [1], lora_request: None.",
      // 10: cut after the request id
      "INFO 10-01 18:43:27 logger.py:36] Received request c10",
      // 11: prompt quotes the marker but the real list is missing (cut in the params)
      "INFO 10-01 18:43:27 logger.py:36] Received request c11: prompt: ', prompt_token_ids: [1]', "
      "params: SamplingParams(n=1, max_tok",
      // 12: a good line
      OldLine("18:43:28", "good", Range(0, 20)),
      // 13: details line that never gets its INFO line
      NewDetails("20:00:00", "orphan", Range(0, 4)),
      // 14: new-layout INFO line that never gets its details
      NewInfo("20:00:01", "lonely"),
  };
  std::string text;
  for (const auto& l : bad) text += l.ends_with('\n') ? l : l + "\n";
  auto reader = OpenVllmLog(Write("bad.log", text), {});
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request_id, "good");
  const auto& issues = reader->issues();
  EXPECT_EQ(issues.count(), 13u) << issues.Summary();
  ASSERT_EQ(issues.messages().size(), 13u);
  const std::vector<std::pair<int, std::string>> expect = {
      {1, "prompt string is not closed"},
      {2, "list is not closed"},
      {3, "bad token id 'x2"},
      {4, "max_tokens missing in params"},
      {5, "prompt_token_ids is None"},
      {6, "out of range"},
      {7, "max_tokens is not a non-negative integer"},
      {8, "bad timestamp"},
      {9, "without a 'LEVEL MM-DD HH:MM:SS [file:line]' header"},
      {10, "neither 'prompt:' nor 'params:'"},
      {11, "prompt_token_ids missing"},
      {13, "'Request orphan details' line has no matching 'Received request orphan' line"},
      {14, "VLLM_LOGGING_LEVEL=DEBUG"},
  };
  for (size_t i = 0; i < expect.size(); ++i) {
    const std::string& m = issues.messages()[i];
    EXPECT_NE(m.find(fmt::format(":{}: ", expect[i].first)), std::string::npos) << m;
    EXPECT_NE(m.find(expect[i].second), std::string::npos) << m;
  }
}

TEST_F(VllmLogReaderTest, AMalformedHalfOfAPairIsReportedOnce) {
  const std::string pooling =
      "INFO 03-15 20:00:00 [logger.py:55] Received request {}: params: "
      "PoolingParams(dimensions=None), lora_request: None.\n";
  const std::string no_ids =
      "DEBUG 03-15 20:00:00 [logger.py:49] Request {} details: prompt: 'p', prompt_token_ids: "
      "None, prompt_embeds shape: torch.Size([4, 8]).\n";
  const std::string text =
      fmt::format(fmt::runtime(pooling), "a") + NewDetails("20:00:00", "a", Range(0, 4)) +  // 1-2
      NewDetails("20:00:01", "b", Range(0, 4)) + fmt::format(fmt::runtime(pooling), "b") +  // 3-4
      fmt::format(fmt::runtime(no_ids), "c") + NewInfo("20:00:02", "c") +                   // 5-6
      NewInfo("20:00:03", "d") + fmt::format(fmt::runtime(no_ids), "d") +                   // 7-8
      NewDetails("20:00:04", "ok", Range(0, 4)) + NewInfo("20:00:04", "ok");                // 9-10
  auto reader = OpenVllmLog(Write("halves.log", text), {});
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request_id, "ok");
  const auto& issues = reader->issues();
  EXPECT_EQ(issues.count(), 4u) << issues.Summary();
  ASSERT_EQ(issues.messages().size(), 4u);
  const std::vector<std::pair<int, std::string>> expect = {
      {1, "max_tokens missing in params"},
      {4, "max_tokens missing in params"},
      {5, "prompt_token_ids is None"},
      {8, "prompt_token_ids is None"},
  };
  for (size_t i = 0; i < expect.size(); ++i) {
    const std::string& m = issues.messages()[i];
    EXPECT_NE(m.find(fmt::format(":{}: ", expect[i].first)), std::string::npos) << m;
    EXPECT_NE(m.find(expect[i].second), std::string::npos) << m;
  }
}

TEST_F(VllmLogReaderTest, IgnoresLinesThatAreNotRequests) {
  const std::string path =
      Write("noise.log",
            "INFO 10-01 18:43:20 api_server.py:526] vLLM API server version 0.6.2\n"
            "Traceback (most recent call last):\n"
            "  File \"x.py\", line 1, in <module>\n"
            "ValueError: nope\n"
            "\n"
            "INFO:     127.0.0.1:1 - \"POST /v1/completions HTTP/1.1\" 200 OK\n"
            "INFO 10-01 18:43:27 engine.py:288] Added request cmpl-1.\n"
            "INFO 10-01 18:43:27 logger.py:60] Generated response cmpl-1: output: 'x', "
            "output_token_ids: [1, 2], finish_reason: stop\n");
  auto reader = OpenVllmLog(path, {});
  EXPECT_TRUE(ReadAll(*reader).empty());
  EXPECT_EQ(reader->issues().count(), 0u) << reader->issues().Summary();
}

TEST_F(VllmLogReaderTest, StrictThrowsOnTheFirstBadLine) {
  const std::string path =
      Write("strict.log", OldLine("18:43:27", "ok", Range(0, 20)) +
                              "INFO 10-01 18:43:28 logger.py:36] Received request c2: prompt: "
                              "'x', params: " +
                              Params("16") + ", prompt_token_ids: [1, 2\n" +
                              OldLine("18:43:29", "never", Range(0, 20)));
  ReadOptions options;
  options.strict = true;
  auto reader = OpenVllmLog(path, options);
  Request r;
  ASSERT_TRUE(reader->NextInto(r));
  try {
    reader->NextInto(r);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(":2: "), std::string::npos) << e.what();
  }
}

TEST_F(VllmLogReaderTest, StrictThrowsAtTheEndForAnUnpairedInfoLine) {
  ReadOptions options;
  options.strict = true;
  auto reader = OpenVllmLog(Write("strict2.log", NewInfo("20:00:00", "x")), options);
  Request r;
  EXPECT_THROW(reader->NextInto(r), InputError);
}

TEST_F(VllmLogReaderTest, TruncationByOption) {
  // Old layout, new layout details-first, new layout info-first; 8 = --max-log-len.
  const std::string path = Write(
      "trunc.log", OldLine("18:43:27", "a", Range(0, 8)) + OldLine("18:43:28", "b", Range(0, 7)) +
                       NewDetails("18:43:29", "c", Range(0, 8)) + NewInfo("18:43:29", "c") +
                       NewInfo("18:43:30", "d") + NewDetails("18:43:30", "d", Range(0, 8)) +
                       NewDetails("18:43:31", "e", Range(0, 3)) + NewInfo("18:43:31", "e"));
  ReadOptions options;
  options.vllm_max_log_len = 8;
  auto reader = OpenVllmLog(path, options);
  const auto requests = ReadAll(*reader);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].request_id, "b");
  EXPECT_EQ(requests[1].request_id, "e");
  const auto& issues = reader->issues();
  EXPECT_EQ(issues.count(), 3u) << issues.Summary();
  ASSERT_EQ(issues.messages().size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(issues.messages()[i].find("--max-log-len"), std::string::npos);
  }
  EXPECT_NE(issues.messages()[0].find(":1: "), std::string::npos) << issues.messages()[0];
  EXPECT_NE(issues.messages()[1].find(":3: "), std::string::npos) << issues.messages()[1];
  EXPECT_NE(issues.messages()[2].find(":6: "), std::string::npos) << issues.messages()[2];
  EXPECT_TRUE(issues.warnings().empty());

  options.strict = true;
  auto strict = OpenVllmLog(path, options);
  Request r;
  EXPECT_THROW(strict->NextInto(r), InputError);
}

TEST_F(VllmLogReaderTest, TruncationDetected) {
  std::string text;
  // 10 requests, 4 of them at the longest length 20: looks like --max-log-len 20.
  const int lengths[] = {20, 5, 20, 12, 20, 3, 9, 20, 17, 11};
  int i = 0;
  for (int n : lengths) {
    text += OldLine(fmt::format("18:43:{:02}", i), fmt::format("r{}", i), Range(0, n));
    ++i;
  }
  auto reader = OpenVllmLog(Write("detect.log", text), {});
  EXPECT_EQ(ReadAll(*reader).size(), 10u);  // still used, only warned about
  const auto& issues = reader->issues();
  EXPECT_EQ(issues.count(), 0u);
  ASSERT_EQ(issues.warnings().size(), 1u);
  const std::string& w = issues.warnings()[0];
  EXPECT_NE(w.find("truncated at 20 tokens by vLLM's --max-log-len"), std::string::npos) << w;
  EXPECT_NE(w.find("hit ratios"), std::string::npos) << w;
  EXPECT_NE(w.find("--vllm-max-log-len"), std::string::npos) << w;
}

TEST_F(VllmLogReaderTest, NoTruncationWarningForVariedLengths) {
  std::string text;
  const int lengths[] = {20, 5, 20, 12, 21, 3, 9, 20, 17, 11};  // only one at the longest
  int i = 0;
  for (int n : lengths) {
    text += OldLine(fmt::format("18:43:{:02}", i), fmt::format("r{}", i), Range(0, n));
    ++i;
  }
  auto reader = OpenVllmLog(Write("varied.log", text), {});
  EXPECT_EQ(ReadAll(*reader).size(), 10u);
  EXPECT_TRUE(reader->issues().warnings().empty()) << reader->issues().Summary();
}

TEST_F(VllmLogReaderTest, PendingMapIsCapped) {
  // 5000 INFO lines with no details: the oldest are reported as the map overflows, the rest at
  // the end; every one exactly once.
  std::string text;
  for (int i = 0; i < 5000; ++i) text += NewInfo("20:00:00", fmt::format("x{}", i));
  auto reader = OpenVllmLog(Write("cap.log", text), {});
  EXPECT_TRUE(ReadAll(*reader).empty());
  EXPECT_EQ(reader->issues().count(), 5000u);
  EXPECT_NE(reader->issues().messages()[0].find(":1: 'Received request x0'"), std::string::npos)
      << reader->issues().messages()[0];
}

TEST_F(VllmLogReaderTest, ZstdCompressedReadsTheSame) {
  if (std::system("command -v zstd >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "zstd CLI not found; cannot make a compressed copy";
  }
  for (const std::string name : {"vllm_old.log", "vllm_new.log"}) {
    const std::string zst = (dir_ / (name + ".zst")).string();
    ASSERT_EQ(std::system(fmt::format("zstd -q -f -o '{}' '{}'", zst, kData + "/" + name).c_str()),
              0);
    const auto plain = ReadAll(kData + "/" + name);
    const auto packed = ReadAll(zst);
    ASSERT_EQ(plain.size(), packed.size());
    for (size_t i = 0; i < plain.size(); ++i) {
      EXPECT_EQ(plain[i].request_id, packed[i].request_id);
      EXPECT_EQ(plain[i].arrival_s, packed[i].arrival_s);
      EXPECT_EQ(plain[i].block_hashes, packed[i].block_hashes);
      EXPECT_EQ(plain[i].output_tokens, packed[i].output_tokens);
    }
    EXPECT_EQ(DetectFormat(zst), TraceFormat::kVllmLog);
  }
}

TEST_F(VllmLogReaderTest, DetectFormatPicksVllmLog) {
  EXPECT_EQ(DetectFormat(kData + "/vllm_old.log"), TraceFormat::kVllmLog);
  EXPECT_EQ(DetectFormat(kData + "/vllm_new.log"), TraceFormat::kVllmLog);
  ReadOptions options;
  auto reader = OpenTrace(kData + "/vllm_new.log", options);
  EXPECT_EQ(reader->info().format, TraceFormat::kVllmLog);
}

}  // namespace
}  // namespace kvb
