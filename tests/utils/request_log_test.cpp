#include "utils/request_log.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>

#include "utils/errors.h"
#include "utils/trace_reader.h"

namespace kvb {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "_" + std::to_string(::getpid()) + ".jsonl"))
      .string();
}

Request Sample() {
  Request r;
  r.request_id = "conv1-turn2 \"quoted\"\n";
  r.arrival_s = 12.25;
  r.conversation_id = 1;
  r.parent_id = "conv1-turn1";
  r.turn = 2;
  r.type = "text";
  r.input_tokens = 40;
  r.output_tokens = 7;
  r.block_size = 16;
  r.block_hashes = {1, 18446744073709551615ULL, 42};
  return r;
}

void ExpectSame(const Request& a, const Request& b) {
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.arrival_s, b.arrival_s);
  EXPECT_EQ(a.conversation_id, b.conversation_id);
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.turn, b.turn);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.input_tokens, b.input_tokens);
  EXPECT_EQ(a.output_tokens, b.output_tokens);
  EXPECT_EQ(a.block_size, b.block_size);
  EXPECT_EQ(a.block_hashes, b.block_hashes);
  ASSERT_EQ(a.outcome.has_value(), b.outcome.has_value());
  if (a.outcome) {
    const auto &x = *a.outcome, &y = *b.outcome;
    EXPECT_EQ(x.send_s, y.send_s);
    EXPECT_EQ(x.first_token_s, y.first_token_s);
    EXPECT_EQ(x.finish_s, y.finish_s);
    EXPECT_EQ(x.ttft_ms, y.ttft_ms);
    EXPECT_EQ(x.tpot_ms, y.tpot_ms);
    EXPECT_EQ(x.e2e_ms, y.e2e_ms);
    EXPECT_EQ(x.itl_ms, y.itl_ms);
    EXPECT_EQ(x.cached_tokens, y.cached_tokens);
    EXPECT_EQ(x.gpu_hit_tokens, y.gpu_hit_tokens);
    EXPECT_EQ(x.cpu_hit_tokens, y.cpu_hit_tokens);
    EXPECT_EQ(x.disk_hit_tokens, y.disk_hit_tokens);
    EXPECT_EQ(x.computed_tokens, y.computed_tokens);
    EXPECT_EQ(x.output_tokens, y.output_tokens);
    EXPECT_EQ(x.preemptions, y.preemptions);
    EXPECT_EQ(x.http_status, y.http_status);
    EXPECT_EQ(x.finish_reason, y.finish_reason);
    EXPECT_EQ(x.error, y.error);
  }
}

TEST(RequestLogTest, RoundTripsRequestsWithAndWithoutOutcome) {
  const std::string path = TempPath("rlog");
  Request a = Sample();
  Request b = Sample();
  b.conversation_id.reset();
  b.outcome.emplace();
  b.outcome->send_s = 1.5;
  b.outcome->first_token_s = 1.75;
  b.outcome->finish_s = 2.0;
  b.outcome->ttft_ms = 250;
  b.outcome->itl_ms = {1.5, 2.25};
  b.outcome->cached_tokens = 32;
  b.outcome->gpu_hit_tokens = 16;
  b.outcome->cpu_hit_tokens = 16;
  b.outcome->finish_reason = "length";
  b.outcome->http_status = 200;
  {
    RequestLogWriter w(path, {"test"});
    w.Write(a);
    w.Write(b);
    w.Close();
  }
  EXPECT_EQ(DetectFormat(path), TraceFormat::kRequestLog);
  auto reader = OpenTrace(path, {});
  auto ra = reader->Next();
  auto rb = reader->Next();
  ASSERT_TRUE(ra && rb);
  EXPECT_FALSE(reader->Next());
  ExpectSame(a, *ra);
  ExpectSame(b, *rb);
  EXPECT_EQ(reader->issues().count(), 0u);
  std::filesystem::remove(path);
}

TEST(RequestLogTest, MalformedLinesAreCountedWithLineNumbers) {
  const std::string path = TempPath("rlog_bad");
  {
    std::ofstream out(path);
    out << R"({"kvcache_bench_request_log":1,"tool":"t"})"
        << "\n";
    out << R"({"request_id":"a","arrival_s":0,"input_tokens":16,"block_hashes":[1]})"
        << "\n";
    out << R"({"request_id":"b","arrival_s":"soon","input_tokens":16,"block_hashes":[1]})"
        << "\n";
    out << R"({"request_id":"c","input_tokens":16,"block_hashes":[1]})"
        << "\n";
    out << "{broken\n";
  }
  auto reader = OpenTrace(path, {});
  int n = 0;
  while (reader->Next()) ++n;
  EXPECT_EQ(n, 1);
  ASSERT_EQ(reader->issues().count(), 3u);
  EXPECT_NE(reader->issues().messages()[0].find(":3: field 'arrival_s'"), std::string::npos);
  EXPECT_NE(reader->issues().messages()[1].find(":4: missing 'arrival_s'"), std::string::npos);
  EXPECT_NE(reader->issues().messages()[2].find(":5: not valid JSON"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(RequestLogTest, RejectsUnknownVersion) {
  const std::string path = TempPath("rlog_ver");
  {
    std::ofstream out(path);
    out << R"({"kvcache_bench_request_log":99})"
        << "\n";
  }
  auto reader = OpenTrace(path, {});
  EXPECT_THROW(reader->Next(), InputError);
  std::filesystem::remove(path);
}

// Valid UTF-8 text: ASCII (control characters included) and a few multi-byte characters.
rc::Gen<std::string> GenText() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
          rc::gen::map(rc::gen::inRange(1, 128), [](int c) { return std::string(1, char(c)); }),
          rc::gen::element<std::string>("\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"))),
      [](const std::vector<std::string>& parts) {
        std::string s;
        for (const auto& p : parts) s += p;
        return s;
      });
}

TEST(RequestLogTest, InvalidUtf8BecomesReplacementCharacter) {
  Request r = Sample();
  r.request_id =
      "a\xC3"
      "b";
  const std::string line = RequestToJsonLine(r);
  EXPECT_NE(line.find("\"a\\ufffdb\""), std::string::npos) << line;
}

RC_GTEST_PROP(RequestLogProperty, RoundTripsArbitraryRequests, ()) {
  Request r;
  r.request_id = *GenText();
  r.arrival_s = *rc::gen::map(rc::gen::inRange(0, 1 << 30), [](int v) { return v / 1024.0; });
  if (*rc::gen::arbitrary<bool>()) r.conversation_id = *rc::gen::inRange<int64_t>(0, 1LL << 50);
  r.parent_id = *GenText();
  r.turn = *rc::gen::inRange(0, 1000);
  r.type = *rc::gen::element<std::string>("text", "search", "image", "");
  r.input_tokens = *rc::gen::inRange<int64_t>(0, 1 << 20);
  r.output_tokens = *rc::gen::inRange<int64_t>(0, 1 << 16);
  r.block_size = *rc::gen::element<uint32_t>(1, 16, 256, 512);
  r.block_hashes = *rc::gen::container<std::vector<uint64_t>>(rc::gen::arbitrary<uint64_t>());
  if (*rc::gen::arbitrary<bool>()) {
    RequestOutcome o;
    o.ttft_ms = *rc::gen::inRange(0, 100000) / 8.0;
    o.itl_ms = *rc::gen::container<std::vector<double>>(
        rc::gen::map(rc::gen::inRange(0, 10000), [](int v) { return v / 4.0; }));
    o.cached_tokens = *rc::gen::inRange<int64_t>(-1, 100000);
    o.error = *GenText();
    r.outcome = o;
  }
  const std::string path = TempPath("rlog_prop");
  {
    RequestLogWriter w(path, {"prop"});
    w.Write(r);
    w.Close();
  }
  auto reader = OpenTrace(path, {});
  auto back = reader->Next();
  RC_ASSERT(back.has_value());
  RC_ASSERT(reader->issues().count() == 0u);
  RC_ASSERT(back->request_id == r.request_id);
  RC_ASSERT(back->arrival_s == r.arrival_s);
  RC_ASSERT(back->conversation_id == r.conversation_id);
  RC_ASSERT(back->parent_id == r.parent_id);
  RC_ASSERT(back->turn == r.turn);
  RC_ASSERT(back->type == r.type);
  RC_ASSERT(back->input_tokens == r.input_tokens);
  RC_ASSERT(back->block_size == r.block_size);
  RC_ASSERT(back->block_hashes == r.block_hashes);
  RC_ASSERT(back->outcome.has_value() == r.outcome.has_value());
  if (r.outcome) {
    RC_ASSERT(back->outcome->ttft_ms == r.outcome->ttft_ms);
    RC_ASSERT(back->outcome->itl_ms == r.outcome->itl_ms);
    RC_ASSERT(back->outcome->cached_tokens == r.outcome->cached_tokens);
    RC_ASSERT(back->outcome->error == r.outcome->error);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace kvb
