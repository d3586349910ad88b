#include "utils/synthetic_workload.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "utils/block_hash.h"
#include "utils/errors.h"

namespace kvb {
namespace {

using json = nlohmann::json;

MultiTurnSpec SmallSpec() {
  MultiTurnSpec spec;
  spec.num_conversations = 40;
  spec.arrival_rate_per_s = 2;
  spec.system_prompt_tokens = Distribution::Constant(40);
  spec.prefix_tokens = Distribution::Uniform(0, 50);
  spec.user_tokens = Distribution::Uniform(1, 30);
  spec.answer_tokens = Distribution::Uniform(1, 40);
  ConversationClass chat;
  chat.type = "text";
  chat.weight = 3;
  chat.turns = Distribution::Uniform(1, 6);
  chat.think_time_s = Distribution::Uniform(1, 10);
  ConversationClass once;
  once.type = "image";
  once.weight = 1;
  once.turns = Distribution::Constant(1);
  spec.classes = {chat, once};
  return spec;
}

std::vector<Request> Generate(const MultiTurnSpec& spec, uint64_t seed) {
  std::mt19937_64 rng(seed);
  return GenerateMultiTurn(spec, rng);
}

// Requests of each conversation, in turn order.
std::map<int64_t, std::vector<const Request*>> ByConversation(const std::vector<Request>& reqs) {
  std::map<int64_t, std::vector<const Request*>> out;
  for (const Request& r : reqs) out[*r.conversation_id].push_back(&r);
  for (auto& [id, turns] : out) {
    std::sort(turns.begin(), turns.end(),
              [](const Request* a, const Request* b) { return a->turn < b->turn; });
  }
  return out;
}

TEST(SyntheticWorkloadTest, SameSeedSameOutputDifferentSeedDifferent) {
  const MultiTurnSpec spec = SmallSpec();
  const auto a = Generate(spec, 7);
  const auto b = Generate(spec, 7);
  const auto c = Generate(spec, 8);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].request_id, b[i].request_id);
    EXPECT_EQ(a[i].arrival_s, b[i].arrival_s);
    EXPECT_EQ(a[i].input_tokens, b[i].input_tokens);
    EXPECT_EQ(a[i].output_tokens, b[i].output_tokens);
    EXPECT_EQ(a[i].block_hashes, b[i].block_hashes);
    EXPECT_EQ(a[i].type, b[i].type);
  }
  bool differs = a.size() != c.size();
  for (size_t i = 0; !differs && i < a.size(); ++i) {
    differs = a[i].block_hashes != c[i].block_hashes || a[i].arrival_s != c[i].arrival_s;
  }
  EXPECT_TRUE(differs);
}

// Pins the sampling code: a change to any sampler or to the draw order shows here. Only integer
// fields are pinned (libm may differ in the last bit of a time between platforms).
TEST(SyntheticWorkloadTest, OutputIsPinnedForAFixedSeed) {
  MultiTurnSpec spec;
  spec.num_conversations = 3;
  std::string summary;
  for (const Request& r : Generate(spec, 42)) {
    summary += fmt::format("{} {} {}+{} {:x}\n", r.request_id, r.type, r.input_tokens,
                           r.output_tokens, r.block_hashes.back() & 0xffff);
  }
  EXPECT_EQ(summary,
            "conv0-turn1 text 1484+152 4c3e\n"
            "conv1-turn1 text 1016+156 f70e\n"
            "conv2-turn1 image 1521+80 bc1b\n"
            "conv0-turn2 text 1749+322 5e10\n"
            "conv1-turn2 text 1244+322 68d6\n"
            "conv0-turn3 text 2249+244 f79f\n"
            "conv0-turn4 text 2632+296 c0f7\n"
            "conv0-turn5 text 2978+104 6250\n");
}

TEST(SyntheticWorkloadTest, TurnsExtendThePreviousPrompt) {
  const MultiTurnSpec spec = SmallSpec();
  const auto reqs = Generate(spec, 1);
  size_t followups = 0;
  for (const auto& [id, turns] : ByConversation(reqs)) {
    for (size_t k = 0; k < turns.size(); ++k) {
      const Request& r = *turns[k];
      EXPECT_EQ(r.turn, static_cast<int32_t>(k + 1));
      EXPECT_EQ(r.request_id, fmt::format("conv{}-turn{}", id, k + 1));
      EXPECT_EQ(r.block_size, 16u);
      EXPECT_EQ(static_cast<int64_t>(r.block_hashes.size()), (r.input_tokens + 15) / 16);
      if (k == 0) {
        EXPECT_EQ(r.parent_id, "");
        continue;
      }
      ++followups;
      const Request& prev = *turns[k - 1];
      EXPECT_EQ(r.parent_id, prev.request_id);
      // prompt(k+1) = prompt(k) + answer(k) + at least one user token.
      EXPECT_GE(r.input_tokens, prev.input_tokens + prev.output_tokens + 1);
      EXPECT_LE(r.input_tokens, prev.input_tokens + prev.output_tokens + 30);
      const size_t full = static_cast<size_t>(prev.input_tokens / 16);
      ASSERT_GE(r.block_hashes.size(), full);
      for (size_t i = 0; i < full; ++i) EXPECT_EQ(r.block_hashes[i], prev.block_hashes[i]);
      if (full < prev.block_hashes.size()) {
        // The old partial block does not match the extended block at its position.
        EXPECT_NE(r.block_hashes[full], prev.block_hashes[full]);
      }
    }
  }
  EXPECT_GT(followups, 20u);
}

TEST(SyntheticWorkloadTest, SystemPromptIsSharedAndConversationsAreDistinct) {
  MultiTurnSpec spec = SmallSpec();
  spec.system_prompt_tokens = Distribution::Constant(64);  // 4 full blocks
  spec.prefix_tokens = Distribution::Constant(16);
  const auto reqs = Generate(spec, 3);
  std::set<uint64_t> fifth;
  for (const Request& r : reqs) {
    ASSERT_GE(r.block_hashes.size(), 5u);
    EXPECT_EQ(r.block_hashes[3], reqs.front().block_hashes[3]);
    if (r.turn == 1) fifth.insert(r.block_hashes[4]);  // the conversation's own prefix
  }
  EXPECT_EQ(fifth.size(), spec.num_conversations);
}

TEST(SyntheticWorkloadTest, HashesMatchHashTokenBlocksAndThePartialBlock) {
  const std::vector<uint32_t> tokens = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::vector<uint64_t> full;
  HashTokenBlocks(tokens, 4, full);
  ASSERT_EQ(full.size(), 2u);
  const uint64_t partial = PartialBlockHash(full.back(), std::span(tokens).subspan(8));
  EXPECT_NE(partial, full[0]);
  EXPECT_NE(partial, full[1]);
  const std::vector<uint32_t> other = {9, 11};
  EXPECT_NE(partial, PartialBlockHash(full.back(), other));
  EXPECT_NE(partial, PartialBlockHash(kRootBlockHash, std::span(tokens).subspan(8)));
  EXPECT_EQ(partial, PartialBlockHash(full.back(), std::span(tokens).subspan(8)));
}

TEST(SyntheticWorkloadTest, SortedByArrivalWithPoissonConversationStarts) {
  MultiTurnSpec spec = SmallSpec();
  spec.num_conversations = 2000;
  spec.arrival_rate_per_s = 4;
  const auto reqs = Generate(spec, 11);
  for (size_t i = 1; i < reqs.size(); ++i) EXPECT_LE(reqs[i - 1].arrival_s, reqs[i].arrival_s);
  double last_start = 0;
  for (const Request& r : reqs) {
    if (r.turn == 1) last_start = std::max(last_start, r.arrival_s);
  }
  // 1999 exponential gaps of mean 0.25 s: 499.75 s, sd ~ 5.6 s.
  EXPECT_NEAR(last_start, 499.75, 25);
}

TEST(SyntheticWorkloadTest, NextTurnArrivesAfterAnswerAndThinkTime) {
  MultiTurnSpec spec = SmallSpec();
  spec.decode_s_per_token = 0.5;
  spec.classes.resize(1);
  spec.classes[0].think_time_s = Distribution::Constant(7);
  spec.classes[0].turns = Distribution::Constant(3);
  const auto reqs = Generate(spec, 5);
  EXPECT_EQ(reqs.size(), 3 * spec.num_conversations);
  for (const auto& [id, turns] : ByConversation(reqs)) {
    ASSERT_EQ(turns.size(), 3u);
    for (size_t k = 1; k < turns.size(); ++k) {
      EXPECT_DOUBLE_EQ(turns[k]->arrival_s,
                       turns[k - 1]->arrival_s + turns[k - 1]->output_tokens * 0.5 + 7);
    }
  }
}

TEST(SyntheticWorkloadTest, ClassesFollowTheirWeightsAndTypes) {
  MultiTurnSpec spec = SmallSpec();
  spec.num_conversations = 4000;
  const auto reqs = Generate(spec, 9);
  size_t text = 0, image = 0;
  for (const Request& r : reqs) {
    if (r.turn != 1) {
      EXPECT_EQ(r.type, "text");  // image conversations have one turn
      continue;
    }
    (r.type == "text" ? text : image) += 1;
  }
  EXPECT_EQ(text + image, 4000u);
  EXPECT_NEAR(static_cast<double>(text) / 4000, 0.75, 0.03);
}

TEST(SyntheticWorkloadTest, DefaultSpecGeneratesEveryClass) {
  const MultiTurnSpec spec;
  const auto reqs = Generate(spec, 2);
  std::set<std::string> types;
  for (const Request& r : reqs) types.insert(r.type);
  EXPECT_EQ(types, (std::set<std::string>{"file", "image", "search", "text"}));
}

// --- Distributions ---------------------------------------------------------------------------

struct Moments {
  double mean = 0;
  double var = 0;
  double min = 1e300;
  double max = -1e300;
};

Moments Counts(const Distribution& d, int n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  Moments m;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = static_cast<double>(d.SampleCount(rng));
    sum += x;
    sum2 += x * x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean = sum / n;
  m.var = sum2 / n - m.mean * m.mean;
  return m;
}

TEST(DistributionTest, Constant) {
  const Moments m = Counts(Distribution::Constant(12), 100);
  EXPECT_EQ(m.min, 12);
  EXPECT_EQ(m.max, 12);
}

TEST(DistributionTest, UniformIntegersIncludeBothEnds) {
  const Moments m = Counts(Distribution::Uniform(3, 7), 20000);
  EXPECT_EQ(m.min, 3);
  EXPECT_EQ(m.max, 7);
  EXPECT_NEAR(m.mean, 5, 0.05);
  EXPECT_NEAR(m.var, 2, 0.1);  // (5^2 - 1) / 12
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1000; ++i) {
    const double x = Distribution::Uniform(0.5, 1.5).Sample(rng);
    EXPECT_GE(x, 0.5);
    EXPECT_LT(x, 1.5);
  }
}

TEST(DistributionTest, LognormalByAverageHasThatMeanAndCap) {
  const Moments m = Counts(Distribution::LognormalAverage(1000), 200000);
  EXPECT_NEAR(m.mean, 1000, 15);
  const Moments capped = Counts(Distribution::LognormalAverage(1000, 1200), 20000);
  EXPECT_LE(capped.max, 1200);
  EXPECT_LT(capped.mean, 1000);
  // mu/sigma form: median exp(mu).
  std::mt19937_64 rng(4);
  int below = 0;
  for (int i = 0; i < 20000; ++i)
    below += Distribution::Lognormal(2, 0.5).Sample(rng) < std::exp(2);
  EXPECT_NEAR(below / 20000.0, 0.5, 0.02);
}

TEST(DistributionTest, ZipfMatchesItsPmf) {
  std::mt19937_64 rng(5);
  int ones = 0, twos = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const int64_t x = Distribution::Zipf(2).SampleCount(rng);
    ASSERT_GE(x, 1);
    ones += x == 1;
    twos += x == 2;
  }
  // P(k) = k^-2 / zeta(2), zeta(2) = pi^2 / 6.
  EXPECT_NEAR(ones / static_cast<double>(n), 6 / (std::numbers::pi * std::numbers::pi), 0.01);
  EXPECT_NEAR(twos / static_cast<double>(n), 1.5 / (std::numbers::pi * std::numbers::pi), 0.01);
  EXPECT_LE(Counts(Distribution::Zipf(1.2, 50), 10000).max, 50);
}

TEST(DistributionTest, PoissonMeanAndVarianceSmallAndLarge) {
  for (double lambda : {3.0, 50.0, 400.0}) {
    const Moments m = Counts(Distribution::Poisson(lambda), 100000);
    EXPECT_NEAR(m.mean, lambda, 0.03 * lambda + 0.05) << lambda;
    EXPECT_NEAR(m.var, lambda, 0.06 * lambda + 0.1) << lambda;
  }
  EXPECT_LE(Counts(Distribution::Poisson(50, 45), 1000).max, 45);
}

// --- JSON ------------------------------------------------------------------------------------

TEST(MultiTurnSpecJsonTest, ParsesEveryDistributionAndClass) {
  const json j = json::parse(R"({
    "num_conversations": 10, "arrival_rate_per_s": 3.5, "block_size": 32, "vocab_size": 1000,
    "decode_s_per_token": 0.01,
    "system_prompt_tokens": {"distribution": "constant", "value": 100},
    "prefix_tokens": {"distribution": "lognormal", "average": 500, "max": 2000},
    "user_tokens": {"distribution": "zipf", "alpha": 1.5, "max": 300},
    "answer_tokens": {"distribution": "poisson", "alpha": 80},
    "classes": [
      {"type": "search", "weight": 2, "turns": {"distribution": "uniform", "min": 1, "max": 3},
       "think_time_s": {"distribution": "lognormal", "mean": 2.0, "sigma": 1.0}},
      {"type": "file", "turns": {"distribution": "poisson", "lambda": 2},
       "prefix_tokens": {"distribution": "constant", "value": 4000}}
    ]})");
  const MultiTurnSpec spec = ParseMultiTurnSpec(j);
  EXPECT_EQ(spec.num_conversations, 10u);
  EXPECT_EQ(spec.arrival_rate_per_s, 3.5);
  EXPECT_EQ(spec.block_size, 32u);
  EXPECT_EQ(spec.vocab_size, 1000u);
  EXPECT_EQ(spec.decode_s_per_token, 0.01);
  EXPECT_EQ(spec.system_prompt_tokens.kind, Distribution::Kind::kConstant);
  EXPECT_EQ(spec.prefix_tokens.average, 500);
  EXPECT_EQ(spec.prefix_tokens.median_ratio, 0.85);
  EXPECT_EQ(spec.prefix_tokens.max, 2000);
  EXPECT_EQ(spec.user_tokens.kind, Distribution::Kind::kZipf);
  EXPECT_EQ(spec.answer_tokens.lambda, 80);
  ASSERT_EQ(spec.classes.size(), 2u);
  EXPECT_EQ(spec.classes[0].type, "search");
  EXPECT_EQ(spec.classes[0].weight, 2);
  EXPECT_EQ(spec.classes[0].think_time_s.mu, 2.0);
  EXPECT_EQ(spec.classes[1].weight, 1);
  ASSERT_TRUE(spec.classes[1].prefix_tokens.has_value());
  EXPECT_EQ(spec.classes[1].prefix_tokens->value, 4000);

  // The effective spec round-trips and generates the same workload.
  const MultiTurnSpec again = ParseMultiTurnSpec(MultiTurnSpecToJson(spec));
  EXPECT_EQ(MultiTurnSpecToJson(again), MultiTurnSpecToJson(spec));
  const auto a = Generate(spec, 3);
  const auto b = Generate(again, 3);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].block_hashes, b[i].block_hashes);
  for (const Request& r : a) EXPECT_EQ(r.block_size, 32u);
}

TEST(MultiTurnSpecJsonTest, EmptyObjectGivesTheDefaults) {
  const MultiTurnSpec spec = ParseMultiTurnSpec(json::object());
  EXPECT_EQ(MultiTurnSpecToJson(spec), MultiTurnSpecToJson(MultiTurnSpec{}));
}

void ExpectError(const std::string& text, const std::string& needle) {
  try {
    ParseMultiTurnSpec(json::parse(text));
    ADD_FAILURE() << "no error for " << text;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << needle;
  }
}

TEST(MultiTurnSpecJsonTest, ErrorsNameTheKey) {
  ExpectError(R"({"num_conversation": 3})", "multi_turn.num_conversation: unknown key");
  ExpectError(R"({"num_conversations": -3})", "multi_turn.num_conversations: expected a non-neg");
  ExpectError(R"({"num_conversations": "3"})", "multi_turn.num_conversations");
  ExpectError(R"({"arrival_rate_per_s": 0})", "multi_turn.arrival_rate_per_s: must be > 0");
  ExpectError(R"({"block_size": 0})", "multi_turn.block_size: must be >= 1");
  ExpectError(R"({"user_tokens": 5})", "multi_turn.user_tokens: expected a distribution");
  ExpectError(R"({"user_tokens": {"value": 5}})", "multi_turn.user_tokens.distribution: missing");
  ExpectError(R"({"user_tokens": {"distribution": "gauss"}})",
              "multi_turn.user_tokens.distribution: unknown distribution 'gauss'; valid:");
  ExpectError(R"({"user_tokens": {"distribution": "uniform", "min": 5}})",
              "multi_turn.user_tokens.max: missing");
  ExpectError(R"({"user_tokens": {"distribution": "uniform", "min": 5, "max": 2}})",
              "multi_turn.user_tokens.max: must be >= min");
  ExpectError(R"({"user_tokens": {"distribution": "constant", "value": 5, "max": 2}})",
              "multi_turn.user_tokens.max: unknown key");
  ExpectError(R"({"user_tokens": {"distribution": "zipf", "alpha": 1}})",
              "multi_turn.user_tokens.alpha: must be > 1");
  ExpectError(R"({"user_tokens": {"distribution": "lognormal", "average": 10, "mean": 1}})",
              "multi_turn.user_tokens.average");
  ExpectError(R"({"user_tokens": {"distribution": "lognormal", "average": 10,
                  "median_ratio": 1.5}})",
              "multi_turn.user_tokens.median_ratio: must be in (0, 1)");
  ExpectError(R"({"user_tokens": {"distribution": "poisson", "lambda": "x"}})",
              "multi_turn.user_tokens.lambda: expected a number");
  ExpectError(R"({"classes": {}})", "multi_turn.classes: expected an array");
  ExpectError(R"({"classes": []})", "multi_turn.classes: must list at least one class");
  ExpectError(R"({"classes": [{"type": "text", "weight": -1}]})",
              "multi_turn.classes[0].weight: must be > 0");
  ExpectError(R"({"classes": [{"type": "text"}, {"typo": 1}]})",
              "multi_turn.classes[1].typo: unknown key");
  ExpectError(R"({"classes": [{"turns": {"distribution": "constant", "value": -2}}]})",
              "multi_turn.classes[0].turns.value: must be >= 0");
  ExpectError(R"([1, 2])", "multi_turn: expected an object");
}

}  // namespace
}  // namespace kvb
