#include "utils/synthetic_workload.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>

#include "utils/block_hash.h"
#include "utils/errors.h"

namespace kvb {
namespace {

using json = nlohmann::json;

constexpr uint64_t kPartialTag = 0x50415254;  // "PART"

// --- Sampling, implemented here so that a seed means the same thing on every standard library.

// Uniform in [0, 1) with 53 random bits.
double Uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift with rejection: unbiased).
uint64_t UniformBelow(std::mt19937_64& rng, uint64_t n) {
  unsigned __int128 m = static_cast<unsigned __int128>(rng()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(rng()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double StandardNormal(std::mt19937_64& rng) {
  // Box-Muller, one value per call (no cached second value: the generator alone is the state).
  const double u1 = 1.0 - Uniform01(rng);  // (0, 1]
  const double u2 = Uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Exponential(std::mt19937_64& rng, double rate) {
  return -std::log(1.0 - Uniform01(rng)) / rate;
}

// Devroye's rejection method for the Zipf distribution (as numpy.random.zipf), a > 1.
double SampleZipf(std::mt19937_64& rng, double a) {
  const double am1 = a - 1.0;
  const double b = std::pow(2.0, am1);
  while (true) {
    const double u = 1.0 - Uniform01(rng);
    const double v = Uniform01(rng);
    const double x = std::floor(std::pow(u, -1.0 / am1));
    if (x < 1.0 || x > 9.0e18) continue;
    const double t = std::pow(1.0 + 1.0 / x, am1);
    if (v * x * (t - 1.0) / (b - 1.0) <= t / b) return x;
  }
}

// Poisson: multiplication for small means, Hormann's PTRS (transformed rejection with squeeze,
// as numpy) for large ones.
double SamplePoisson(std::mt19937_64& rng, double lambda) {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    const double limit = std::exp(-lambda);
    double product = Uniform01(rng);
    double k = 0;
    while (product > limit) {
      product *= Uniform01(rng);
      k += 1;
    }
    return k;
  }
  const double slam = std::sqrt(lambda);
  const double loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  while (true) {
    const double u = Uniform01(rng) - 0.5;
    const double v = Uniform01(rng);
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -lambda + k * loglam - std::lgamma(k + 1)) {
      return k;
    }
  }
}

double Cap(const Distribution& d, double x) { return d.max > 0 ? std::min(x, d.max) : x; }

void AppendTokens(std::vector<uint32_t>& tokens, int64_t n, uint32_t vocab, std::mt19937_64& rng) {
  tokens.reserve(tokens.size() + static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) tokens.push_back(static_cast<uint32_t>(UniformBelow(rng, vocab)));
}

void HashPrompt(std::span<const uint32_t> tokens, uint32_t block_size, std::vector<uint64_t>& out) {
  out.clear();
  out.reserve(tokens.size() / block_size + 1);
  HashTokenBlocks(tokens, block_size, out);
  const size_t full = out.size() * block_size;
  if (full < tokens.size()) {
    out.push_back(
        PartialBlockHash(out.empty() ? kRootBlockHash : out.back(), tokens.subspan(full)));
  }
}

// --- JSON ------------------------------------------------------------------------------------

[[noreturn]] void Fail(std::string_view path, std::string_view what) {
  throw InputError(fmt::format("{}: {}", path, what));
}

std::string Key(std::string_view path, std::string_view key) {
  return fmt::format("{}.{}", path, key);
}

void CheckKeys(const json& j, std::string_view path, std::initializer_list<std::string_view> ok) {
  if (!j.is_object()) Fail(path, fmt::format("expected an object, got {}", j.dump()));
  for (const auto& [key, value] : j.items()) {
    if (std::find(ok.begin(), ok.end(), key) == ok.end()) {
      std::string valid;
      for (std::string_view k : ok) valid += valid.empty() ? std::string(k) : ", " + std::string(k);
      Fail(Key(path, key), fmt::format("unknown key; valid: {}", valid));
    }
  }
}

double Number(const json& j, std::string_view path) {
  if (!j.is_number()) Fail(path, fmt::format("expected a number, got {}", j.dump()));
  return j.get<double>();
}

uint64_t Unsigned(const json& j, std::string_view path, uint64_t max) {
  if (!j.is_number_integer() || (!j.is_number_unsigned() && j.get<int64_t>() < 0)) {
    Fail(path, fmt::format("expected a non-negative integer, got {}", j.dump()));
  }
  const uint64_t v = j.get<uint64_t>();
  if (v > max) Fail(path, fmt::format("must be at most {}, got {}", max, v));
  return v;
}

std::string_view KindName(Distribution::Kind k) {
  switch (k) {
    case Distribution::Kind::kConstant:
      return "constant";
    case Distribution::Kind::kUniform:
      return "uniform";
    case Distribution::Kind::kLognormal:
      return "lognormal";
    case Distribution::Kind::kZipf:
      return "zipf";
    case Distribution::Kind::kPoisson:
      return "poisson";
  }
  return "?";
}

Distribution ParseDistribution(const json& j, std::string_view path) {
  if (!j.is_object()) Fail(path, fmt::format("expected a distribution object, got {}", j.dump()));
  if (!j.contains("distribution")) Fail(Key(path, "distribution"), "missing");
  const json& name_json = j.at("distribution");
  if (!name_json.is_string()) Fail(Key(path, "distribution"), "expected a string");
  const std::string name = name_json.get<std::string>();
  auto need = [&](std::string_view key) -> double {
    if (!j.contains(key)) Fail(Key(path, key), fmt::format("missing (required by {})", name));
    return Number(j.at(key), Key(path, key));
  };
  auto optional = [&](std::string_view key, double fallback) -> double {
    return j.contains(key) ? Number(j.at(key), Key(path, key)) : fallback;
  };
  Distribution d;
  if (name == "constant") {
    CheckKeys(j, path, {"distribution", "value"});
    d = Distribution::Constant(need("value"));
  } else if (name == "uniform") {
    CheckKeys(j, path, {"distribution", "min", "max"});
    d = Distribution::Uniform(need("min"), need("max"));
  } else if (name == "lognormal") {
    CheckKeys(j, path, {"distribution", "mean", "sigma", "average", "median_ratio", "max"});
    if (j.contains("average")) {
      if (j.contains("mean") || j.contains("sigma")) {
        Fail(Key(path, "average"), "give either average (and median_ratio) or mean and sigma");
      }
      d = Distribution::LognormalAverage(need("average"), optional("max", 0),
                                         optional("median_ratio", 0.85));
    } else {
      if (j.contains("median_ratio")) Fail(Key(path, "median_ratio"), "only with average");
      d = Distribution::Lognormal(need("mean"), need("sigma"), optional("max", 0));
    }
  } else if (name == "zipf") {
    CheckKeys(j, path, {"distribution", "alpha", "max"});
    d = Distribution::Zipf(need("alpha"), optional("max", 0));
  } else if (name == "poisson") {
    CheckKeys(j, path, {"distribution", "lambda", "alpha", "max"});
    if (j.contains("lambda") && j.contains("alpha")) {
      Fail(Key(path, "alpha"), "give lambda or its vLLM name alpha, not both");
    }
    d = Distribution::Poisson(j.contains("alpha") ? need("alpha") : need("lambda"),
                              optional("max", 0));
  } else {
    Fail(Key(path, "distribution"),
         fmt::format("unknown distribution '{}'; valid: constant, uniform, lognormal, zipf, "
                     "poisson",
                     name));
  }
  return d;
}

json DistributionToJson(const Distribution& d) {
  json j;
  j["distribution"] = KindName(d.kind);
  switch (d.kind) {
    case Distribution::Kind::kConstant:
      j["value"] = d.value;
      break;
    case Distribution::Kind::kUniform:
      j["min"] = d.min;
      j["max"] = d.max;
      break;
    case Distribution::Kind::kLognormal:
      if (d.average > 0) {
        j["average"] = d.average;
        j["median_ratio"] = d.median_ratio;
      } else {
        j["mean"] = d.mu;
        j["sigma"] = d.sigma;
      }
      break;
    case Distribution::Kind::kZipf:
      j["alpha"] = d.alpha;
      break;
    case Distribution::Kind::kPoisson:
      j["lambda"] = d.lambda;
      break;
  }
  if (d.kind != Distribution::Kind::kUniform && d.kind != Distribution::Kind::kConstant &&
      d.max > 0) {
    j["max"] = d.max;
  }
  return j;
}

void ValidateDistribution(const Distribution& d, std::string_view path) {
  auto finite = [&](double x, std::string_view key) {
    if (!std::isfinite(x)) Fail(Key(path, key), "must be finite");
  };
  for (auto [x, key] : {std::pair{d.value, "value"},
                        {d.min, "min"},
                        {d.max, "max"},
                        {d.mu, "mean"},
                        {d.sigma, "sigma"},
                        {d.average, "average"},
                        {d.median_ratio, "median_ratio"},
                        {d.alpha, "alpha"},
                        {d.lambda, "lambda"}}) {
    finite(x, key);
  }
  if (d.kind != Distribution::Kind::kUniform && d.max < 0) {
    Fail(Key(path, "max"), fmt::format("must be >= 0 (0: no cap), got {}", d.max));
  }
  switch (d.kind) {
    case Distribution::Kind::kConstant:
      if (d.value < 0) Fail(Key(path, "value"), fmt::format("must be >= 0, got {}", d.value));
      break;
    case Distribution::Kind::kUniform:
      if (d.min < 0) Fail(Key(path, "min"), fmt::format("must be >= 0, got {}", d.min));
      if (d.max < d.min) {
        Fail(Key(path, "max"), fmt::format("must be >= min ({}), got {}", d.min, d.max));
      }
      break;
    case Distribution::Kind::kLognormal:
      if (d.average != 0) {
        if (d.average < 0) {
          Fail(Key(path, "average"), fmt::format("must be > 0, got {}", d.average));
        }
        if (d.median_ratio <= 0 || d.median_ratio >= 1) {
          Fail(Key(path, "median_ratio"), fmt::format("must be in (0, 1), got {}", d.median_ratio));
        }
      } else if (d.sigma < 0) {
        Fail(Key(path, "sigma"), fmt::format("must be >= 0, got {}", d.sigma));
      }
      break;
    case Distribution::Kind::kZipf:
      if (d.alpha <= 1) Fail(Key(path, "alpha"), fmt::format("must be > 1, got {}", d.alpha));
      break;
    case Distribution::Kind::kPoisson:
      if (d.lambda < 0) Fail(Key(path, "lambda"), fmt::format("must be >= 0, got {}", d.lambda));
      break;
  }
}

ConversationClass ParseClass(const json& j, std::string_view path) {
  CheckKeys(j, path, {"type", "weight", "turns", "think_time_s", "prefix_tokens"});
  ConversationClass c;
  if (j.contains("type")) {
    if (!j.at("type").is_string()) Fail(Key(path, "type"), "expected a string");
    c.type = j.at("type").get<std::string>();
  }
  if (j.contains("weight")) c.weight = Number(j.at("weight"), Key(path, "weight"));
  if (j.contains("turns")) c.turns = ParseDistribution(j.at("turns"), Key(path, "turns"));
  if (j.contains("think_time_s")) {
    c.think_time_s = ParseDistribution(j.at("think_time_s"), Key(path, "think_time_s"));
  }
  if (j.contains("prefix_tokens")) {
    c.prefix_tokens = ParseDistribution(j.at("prefix_tokens"), Key(path, "prefix_tokens"));
  }
  return c;
}

}  // namespace

// --- Distribution -------------------------------------------------------------------------------

Distribution Distribution::Constant(double value) {
  Distribution d;
  d.kind = Kind::kConstant;
  d.value = value;
  return d;
}

Distribution Distribution::Uniform(double min, double max) {
  Distribution d;
  d.kind = Kind::kUniform;
  d.min = min;
  d.max = max;
  return d;
}

Distribution Distribution::Lognormal(double mu, double sigma, double max) {
  Distribution d;
  d.kind = Kind::kLognormal;
  d.mu = mu;
  d.sigma = sigma;
  d.max = max;
  return d;
}

Distribution Distribution::LognormalAverage(double average, double max, double median_ratio) {
  Distribution d;
  d.kind = Kind::kLognormal;
  d.average = average;
  d.median_ratio = median_ratio;
  d.max = max;
  // mean = exp(mu + sigma^2/2), median = exp(mu): sigma^2 = -2 ln(median/mean), mu = ln(median).
  if (average > 0 && median_ratio > 0 && median_ratio < 1) {
    d.mu = std::log(average * median_ratio);
    d.sigma = std::sqrt(-2.0 * std::log(median_ratio));
  }
  return d;
}

Distribution Distribution::Zipf(double alpha, double max) {
  Distribution d;
  d.kind = Kind::kZipf;
  d.alpha = alpha;
  d.max = max;
  return d;
}

Distribution Distribution::Poisson(double lambda, double max) {
  Distribution d;
  d.kind = Kind::kPoisson;
  d.lambda = lambda;
  d.max = max;
  return d;
}

double Distribution::Sample(std::mt19937_64& rng) const {
  switch (kind) {
    case Kind::kConstant:
      return value;
    case Kind::kUniform:
      return min + (max - min) * Uniform01(rng);
    case Kind::kLognormal:
      return Cap(*this, std::exp(mu + sigma * StandardNormal(rng)));
    case Kind::kZipf:
      return Cap(*this, SampleZipf(rng, alpha));
    case Kind::kPoisson:
      return Cap(*this, SamplePoisson(rng, lambda));
  }
  return 0;
}

int64_t Distribution::SampleCount(std::mt19937_64& rng) const {
  if (kind == Kind::kUniform) {
    const double lo = std::ceil(min);
    const double hi = std::floor(max);
    if (hi < lo) return std::max<int64_t>(0, std::llround(min));  // no integer inside
    return static_cast<int64_t>(lo) +
           static_cast<int64_t>(UniformBelow(rng, static_cast<uint64_t>(hi - lo) + 1));
  }
  const double x = Sample(rng);
  if (!(x > 0)) return 0;
  return x >= 9.0e18 ? std::numeric_limits<int64_t>::max() / 2 : std::llround(x);
}

// --- Spec -------------------------------------------------------------------------------------

std::vector<ConversationClass> MultiTurnSpec::DefaultClasses() {
  std::vector<ConversationClass> classes(4);
  classes[0].type = "text";
  classes[0].weight = 0.55;
  classes[0].turns = Distribution::LognormalAverage(4, 24);
  classes[0].think_time_s = Distribution::LognormalAverage(20, 300);
  classes[1].type = "search";
  classes[1].weight = 0.2;
  classes[1].turns = Distribution::Uniform(1, 3);
  classes[1].think_time_s = Distribution::LognormalAverage(45, 600);
  classes[2].type = "file";
  classes[2].weight = 0.15;
  classes[2].turns = Distribution::Uniform(1, 6);
  classes[2].think_time_s = Distribution::LognormalAverage(120, 1800);
  classes[2].prefix_tokens = Distribution::LognormalAverage(3000, 12000);
  classes[3].type = "image";
  classes[3].weight = 0.1;
  classes[3].turns = Distribution::Constant(1);
  classes[3].think_time_s = Distribution::Constant(0);
  return classes;
}

void ValidateMultiTurnSpec(const MultiTurnSpec& spec, std::string_view where) {
  if (!(spec.arrival_rate_per_s > 0) || !std::isfinite(spec.arrival_rate_per_s)) {
    Fail(Key(where, "arrival_rate_per_s"),
         fmt::format("must be > 0, got {}", spec.arrival_rate_per_s));
  }
  if (spec.block_size == 0) Fail(Key(where, "block_size"), "must be >= 1");
  if (spec.vocab_size == 0) Fail(Key(where, "vocab_size"), "must be >= 1");
  if (!(spec.decode_s_per_token >= 0) || !std::isfinite(spec.decode_s_per_token)) {
    Fail(Key(where, "decode_s_per_token"),
         fmt::format("must be >= 0, got {}", spec.decode_s_per_token));
  }
  ValidateDistribution(spec.system_prompt_tokens, Key(where, "system_prompt_tokens"));
  ValidateDistribution(spec.prefix_tokens, Key(where, "prefix_tokens"));
  ValidateDistribution(spec.user_tokens, Key(where, "user_tokens"));
  ValidateDistribution(spec.answer_tokens, Key(where, "answer_tokens"));
  if (spec.classes.empty()) Fail(Key(where, "classes"), "must list at least one class");
  for (size_t i = 0; i < spec.classes.size(); ++i) {
    const ConversationClass& c = spec.classes[i];
    const std::string path = fmt::format("{}.classes[{}]", where, i);
    if (c.type.empty()) Fail(Key(path, "type"), "must not be empty");
    if (!(c.weight > 0) || !std::isfinite(c.weight)) {
      Fail(Key(path, "weight"), fmt::format("must be > 0, got {}", c.weight));
    }
    ValidateDistribution(c.turns, Key(path, "turns"));
    ValidateDistribution(c.think_time_s, Key(path, "think_time_s"));
    if (c.prefix_tokens) ValidateDistribution(*c.prefix_tokens, Key(path, "prefix_tokens"));
  }
}

MultiTurnSpec ParseMultiTurnSpec(const nlohmann::json& j, std::string_view where) {
  CheckKeys(
      j, where,
      {"num_conversations", "arrival_rate_per_s", "block_size", "vocab_size", "decode_s_per_token",
       "system_prompt_tokens", "prefix_tokens", "user_tokens", "answer_tokens", "classes"});
  MultiTurnSpec spec;
  if (j.contains("num_conversations")) {
    spec.num_conversations =
        Unsigned(j.at("num_conversations"), Key(where, "num_conversations"), uint64_t{1} << 32);
  }
  if (j.contains("arrival_rate_per_s")) {
    spec.arrival_rate_per_s = Number(j.at("arrival_rate_per_s"), Key(where, "arrival_rate_per_s"));
  }
  if (j.contains("block_size")) {
    spec.block_size =
        static_cast<uint32_t>(Unsigned(j.at("block_size"), Key(where, "block_size"), 1 << 20));
  }
  if (j.contains("vocab_size")) {
    spec.vocab_size = static_cast<uint32_t>(
        Unsigned(j.at("vocab_size"), Key(where, "vocab_size"), (uint64_t{1} << 32) - 1));
  }
  if (j.contains("decode_s_per_token")) {
    spec.decode_s_per_token = Number(j.at("decode_s_per_token"), Key(where, "decode_s_per_token"));
  }
  auto dist = [&](std::string_view key, Distribution& out) {
    if (j.contains(key)) out = ParseDistribution(j.at(key), Key(where, key));
  };
  dist("system_prompt_tokens", spec.system_prompt_tokens);
  dist("prefix_tokens", spec.prefix_tokens);
  dist("user_tokens", spec.user_tokens);
  dist("answer_tokens", spec.answer_tokens);
  if (j.contains("classes")) {
    const json& classes = j.at("classes");
    if (!classes.is_array()) Fail(Key(where, "classes"), "expected an array of classes");
    spec.classes.clear();
    for (size_t i = 0; i < classes.size(); ++i) {
      spec.classes.push_back(ParseClass(classes[i], fmt::format("{}.classes[{}]", where, i)));
    }
  }
  ValidateMultiTurnSpec(spec, where);
  return spec;
}

nlohmann::json MultiTurnSpecToJson(const MultiTurnSpec& spec) {
  json j;
  j["num_conversations"] = spec.num_conversations;
  j["arrival_rate_per_s"] = spec.arrival_rate_per_s;
  j["block_size"] = spec.block_size;
  j["vocab_size"] = spec.vocab_size;
  j["decode_s_per_token"] = spec.decode_s_per_token;
  j["system_prompt_tokens"] = DistributionToJson(spec.system_prompt_tokens);
  j["prefix_tokens"] = DistributionToJson(spec.prefix_tokens);
  j["user_tokens"] = DistributionToJson(spec.user_tokens);
  j["answer_tokens"] = DistributionToJson(spec.answer_tokens);
  json classes = json::array();
  for (const ConversationClass& c : spec.classes) {
    json cj;
    cj["type"] = c.type;
    cj["weight"] = c.weight;
    cj["turns"] = DistributionToJson(c.turns);
    cj["think_time_s"] = DistributionToJson(c.think_time_s);
    if (c.prefix_tokens) cj["prefix_tokens"] = DistributionToJson(*c.prefix_tokens);
    classes.push_back(std::move(cj));
  }
  j["classes"] = std::move(classes);
  return j;
}

// --- Generation -------------------------------------------------------------------------------

uint64_t PartialBlockHash(uint64_t parent, std::span<const uint32_t> tokens) {
  // A different seed space than full blocks (parent ^ tag) and the length in the bytes hashed:
  // a partial block never equals a full block nor a partial block of other content.
  return XXH3_64bits_withSeed(tokens.data(), tokens.size() * sizeof(uint32_t),
                              parent ^ kPartialTag);
}

std::vector<Request> GenerateMultiTurn(const MultiTurnSpec& spec, std::mt19937_64& rng) {
  ValidateMultiTurnSpec(spec);
  std::vector<double> cumulative;
  double total = 0;
  for (const ConversationClass& c : spec.classes) cumulative.push_back(total += c.weight);

  std::vector<uint32_t> system;
  AppendTokens(system, spec.system_prompt_tokens.SampleCount(rng), spec.vocab_size, rng);

  std::vector<Request> out;
  std::vector<uint32_t> prompt;
  double conversation_start_s = 0;
  for (uint64_t c = 0; c < spec.num_conversations; ++c) {
    if (c > 0) conversation_start_s += Exponential(rng, spec.arrival_rate_per_s);
    const double pick = Uniform01(rng) * total;
    const size_t ci = std::min<size_t>(
        std::upper_bound(cumulative.begin(), cumulative.end(), pick) - cumulative.begin(),
        spec.classes.size() - 1);
    const ConversationClass& cls = spec.classes[ci];
    const Distribution& prefix_dist = cls.prefix_tokens ? *cls.prefix_tokens : spec.prefix_tokens;
    const int64_t prefix = prefix_dist.SampleCount(rng);
    const int64_t turns = std::max<int64_t>(1, cls.turns.SampleCount(rng));

    prompt.assign(system.begin(), system.end());
    AppendTokens(prompt, prefix, spec.vocab_size, rng);
    double arrival_s = conversation_start_s;
    std::string parent;
    for (int64_t k = 1; k <= turns; ++k) {
      AppendTokens(prompt, std::max<int64_t>(1, spec.user_tokens.SampleCount(rng)), spec.vocab_size,
                   rng);
      const int64_t answer = std::max<int64_t>(1, spec.answer_tokens.SampleCount(rng));
      Request r;
      r.request_id = fmt::format("conv{}-turn{}", c, k);
      r.arrival_s = arrival_s;
      r.conversation_id = static_cast<int64_t>(c);
      r.parent_id = parent;
      r.turn = static_cast<int32_t>(k);
      r.type = cls.type;
      r.input_tokens = static_cast<int64_t>(prompt.size());
      r.output_tokens = answer;
      r.block_size = spec.block_size;
      HashPrompt(prompt, spec.block_size, r.block_hashes);
      parent = r.request_id;
      out.push_back(std::move(r));
      if (k < turns) {
        const double think_s = std::max(0.0, cls.think_time_s.Sample(rng));
        arrival_s += static_cast<double>(answer) * spec.decode_s_per_token + think_s;
        AppendTokens(prompt, answer, spec.vocab_size, rng);
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Request& a, const Request& b) { return a.arrival_s < b.arrival_s; });
  return out;
}

}  // namespace kvb
