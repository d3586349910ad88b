#include "engine/replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "utils/block_hash.h"
#include "utils/errors.h"
#include "utils/request_log.h"

namespace kvb {
namespace {

// Re-expresses a request's chain at the engine's block size: split when the trace's blocks are
// larger (SplitBlocks), or keep every k-th hash when they are smaller (a chained hash names its
// whole prefix, so the last trace block inside an engine block names that block).
void ConvertBlocks(const Request& r, uint32_t engine_bs, std::vector<uint64_t>& out) {
  out.clear();
  const uint32_t bs = std::max<uint32_t>(1, r.block_size);
  if (bs == engine_bs) {
    out = r.block_hashes;
  } else if (bs % engine_bs == 0) {
    const int64_t last =
        r.block_hashes.empty()
            ? 0
            : std::clamp<int64_t>(
                  r.input_tokens - static_cast<int64_t>(r.block_hashes.size() - 1) * bs, 0, bs);
    SplitBlocks(r.block_hashes, bs, engine_bs, last, out);
  } else if (engine_bs % bs == 0) {
    const size_t k = engine_bs / bs;
    for (size_t i = k; i <= r.block_hashes.size(); i += k) out.push_back(r.block_hashes[i - 1]);
  } else {
    throw InputError(fmt::format(
        "request '{}': the trace's block size {} and the engine's block size {} do not divide "
        "each other",
        r.request_id, bs, engine_bs));
  }
  // The engine hashes full blocks only.
  const size_t full = static_cast<size_t>(r.input_tokens / engine_bs);
  if (out.size() > full) out.resize(full);
}

// First pass for --target-rps: the window's request count and time span.
double MeasureRate(const ReplayOptions& o) {
  auto reader = OpenTrace(o.input_path, o.read);
  Request r;
  uint64_t n = 0;
  double first = 0, last = 0;
  while (reader->NextInto(r)) {
    if (r.arrival_s < o.start_s) continue;
    if (o.duration_s > 0 && r.arrival_s >= o.start_s + o.duration_s) continue;
    if (n == 0) first = r.arrival_s;
    last = std::max(last, r.arrival_s);
    ++n;
  }
  if (n < 2 || last <= first) {
    throw InputError(
        fmt::format("--target-rps needs at least two requests at different times in "
                    "the window of '{}'",
                    o.input_path));
  }
  return static_cast<double>(n - 1) / (last - first);
}

}  // namespace

ReplaySummary RunReplay(const ReplayOptions& o) {
  if (o.time_scale <= 0) throw InputError("--time-scale must be positive");
  if (o.duration_s < 0) throw InputError("--duration must not be negative");
  ReplaySummary s;
  s.time_scale = o.target_rps > 0 ? MeasureRate(o) / o.target_rps : o.time_scale;
  const double scale = s.time_scale;

  Engine engine(o.engine,
                std::make_unique<RooflineLatencyModel>(
                    o.engine.model, o.engine.gpu, o.engine.gpu.latency, o.engine.tensor_parallel));
  s.num_gpu_blocks = engine.num_gpu_blocks();
  ReadOptions read = o.read;
  if (read.block_size == 0) read.block_size = o.engine.block_size;  // vLLM logs: hash at b
  auto reader = OpenTrace(o.input_path, read);
  std::unique_ptr<RequestLogWriter> log;
  if (!o.request_log_path.empty()) {
    nlohmann::json extra = {{"input", o.input_path}, {"time_scale", scale}};
    log = std::make_unique<RequestLogWriter>(o.request_log_path,
                                             RequestLogHeader{"cache_replay", &extra});
  }

  // Requests in flight, by engine index, kept until they are written (memory follows the
  // in-flight set, not the trace).
  std::unordered_map<uint32_t, Request> in_flight;
  std::vector<double> ttft, tpot, e2e, queue;
  std::vector<EngineEvent> events;
  double first_arrival = std::numeric_limits<double>::quiet_NaN(), last_finish = 0;

  const auto finish = [&](uint32_t idx) {
    auto it = in_flight.find(idx);
    if (it == in_flight.end()) return;
    Request& r = it->second;
    const EngineRequestResult& res = engine.result(idx);
    RequestOutcome out;
    out.send_s = res.arrival_s;
    out.scheduled_s = res.scheduled_s;
    out.first_token_s = res.first_token_s;
    out.finish_s = res.finish_s;
    out.prompt_tokens = res.prompt_tokens;
    out.gpu_hit_tokens = res.gpu_hit_tokens;
    out.cpu_hit_tokens = res.cpu_hit_tokens;
    out.disk_hit_tokens = res.disk_hit_tokens;
    out.cached_tokens = res.gpu_hit_tokens + res.cpu_hit_tokens + res.disk_hit_tokens;
    out.computed_tokens = res.computed_tokens;
    out.output_tokens = res.output_tokens;
    out.preemptions = res.preemptions;
    out.error = res.error;
    if (res.error.empty()) {
      out.ttft_ms = (res.first_token_s - res.arrival_s) * 1e3;
      out.e2e_ms = (res.finish_s - res.arrival_s) * 1e3;
      if (res.output_tokens > 1) {
        out.tpot_ms =
            (res.finish_s - res.first_token_s) * 1e3 / static_cast<double>(res.output_tokens - 1);
        tpot.push_back(out.tpot_ms);
      }
      out.finish_reason = "length";
      ttft.push_back(out.ttft_ms);
      e2e.push_back(out.e2e_ms);
      if (res.scheduled_s >= 0) queue.push_back((res.scheduled_s - res.arrival_s) * 1e3);
      ++s.completed;
      s.prompt_tokens += res.prompt_tokens;
      s.output_tokens += res.output_tokens;
      s.gpu_hit_tokens += res.gpu_hit_tokens;
      s.cpu_hit_tokens += res.cpu_hit_tokens;
      s.disk_hit_tokens += res.disk_hit_tokens;
      s.computed_tokens += res.computed_tokens;
      last_finish = std::max(last_finish, res.finish_s);
    } else {
      ++s.rejected;
    }
    r.outcome = std::move(out);
    if (log) log->Write(r);
    in_flight.erase(it);
  };
  const auto drain = [&] {
    for (const EngineEvent& e : events) {
      if (e.kind == EngineEvent::Kind::kFinished || e.kind == EngineEvent::Kind::kRejected) {
        finish(e.request);
      }
    }
    events.clear();
  };

  Request next;
  bool have_next = false;
  EngineRequest er;
  const auto read_next = [&] {
    while (reader->NextInto(next)) {
      if (next.arrival_s < o.start_s) continue;
      if (o.duration_s > 0 && next.arrival_s >= o.start_s + o.duration_s) continue;
      next.arrival_s = (next.arrival_s - o.start_s) / scale;
      return true;
    }
    return false;
  };
  have_next = read_next();
  double now = 0;
  while (true) {
    if (have_next && (!engine.HasWork() || next.arrival_s <= now)) {
      if (!engine.HasWork()) now = std::max(now, next.arrival_s);
      // Everything that arrived by `now` joins before the next step.
      while (have_next && next.arrival_s <= now) {
        er.request_id = next.request_id;
        er.arrival_s = next.arrival_s;
        er.prompt_tokens = next.input_tokens;
        er.max_output_tokens = std::max<int64_t>(1, next.output_tokens);
        ConvertBlocks(next, o.engine.block_size, er.block_hashes);
        er.conversation_id = next.conversation_id.value_or(-1);
        er.turn = next.turn;
        if (std::isnan(first_arrival)) first_arrival = next.arrival_s;
        const uint32_t idx = engine.Submit(er);
        ++s.requests;
        in_flight.emplace(idx, next);
        have_next = read_next();
      }
      continue;
    }
    if (!engine.HasWork()) break;
    now = engine.Step(now, events);
    drain();
  }
  // Rejections of the last submitted requests surface without a step.
  engine.Step(now, events);
  drain();
  if (log) log->Close();

  s.duration_s = std::isnan(first_arrival) ? 0 : last_finish - first_arrival;
  s.ttft_sorted_ms = ttft;
  std::sort(s.ttft_sorted_ms.begin(), s.ttft_sorted_ms.end());
  s.ttft_ms = Summarize(std::move(ttft));
  s.tpot_ms = Summarize(std::move(tpot));
  s.e2e_ms = Summarize(std::move(e2e));
  s.queue_ms = Summarize(std::move(queue));
  s.engine = engine.stats();
  s.samples = engine.samples();
  s.read_issues = reader->issues().Summary();
  s.malformed = reader->issues().count();
  return s;
}

nlohmann::json ReplaySummaryJson(const ReplaySummary& s) {
  nlohmann::json j;
  const auto put = [&](const std::string& name, const LatencySummary& l) {
    j["mean_" + name + "_ms"] = l.mean;
    j["median_" + name + "_ms"] = l.median;
    j["std_" + name + "_ms"] = l.std;
    j["p90_" + name + "_ms"] = l.p90;
    j["p95_" + name + "_ms"] = l.p95;
    j["p99_" + name + "_ms"] = l.p99;
  };
  j["completed"] = s.completed;
  j["failed"] = s.rejected;
  j["num_prompts"] = s.requests;
  j["malformed_records"] = s.malformed;
  j["duration"] = s.duration_s;
  j["time_scale"] = s.time_scale;
  j["total_input_tokens"] = s.prompt_tokens;
  j["total_output_tokens"] = s.output_tokens;
  const double d = s.duration_s > 0 ? s.duration_s : 1;
  j["request_throughput"] = static_cast<double>(s.completed) / d;
  j["output_throughput"] = static_cast<double>(s.output_tokens) / d;
  j["total_token_throughput"] = static_cast<double>(s.prompt_tokens + s.output_tokens) / d;
  put("ttft", s.ttft_ms);
  put("tpot", s.tpot_ms);
  put("e2el", s.e2e_ms);
  put("queue", s.queue_ms);
  const auto ratio = [](int64_t a, int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  j["num_gpu_blocks"] = s.num_gpu_blocks;
  j["gpu_hit_tokens"] = s.gpu_hit_tokens;
  j["cpu_hit_tokens"] = s.cpu_hit_tokens;
  j["disk_hit_tokens"] = s.disk_hit_tokens;
  j["computed_prompt_tokens"] = s.computed_tokens;
  j["gpu_hit_ratio"] = ratio(s.gpu_hit_tokens, s.prompt_tokens);
  j["cpu_hit_ratio"] = ratio(s.cpu_hit_tokens, s.prompt_tokens);
  j["disk_hit_ratio"] = ratio(s.disk_hit_tokens, s.prompt_tokens);
  j["total_hit_ratio"] =
      ratio(s.gpu_hit_tokens + s.cpu_hit_tokens + s.disk_hit_tokens, s.prompt_tokens);
  const EngineStats& e = s.engine;
  j["engine"] = {{"steps", e.steps},
                 {"busy_s", e.busy_s},
                 {"prefix_cache_queries", e.prefix_query_tokens},
                 {"prefix_cache_hits", e.prefix_hit_tokens},
                 {"external_prefix_cache_queries", e.external_query_tokens},
                 {"external_prefix_cache_hits", e.external_hit_tokens},
                 {"gpu_evicted_blocks", e.gpu_evicted_blocks},
                 {"cpu_evicted_chunks", e.cpu_evicted_chunks},
                 {"disk_evicted_chunks", e.disk_evicted_chunks},
                 {"preemptions", e.preemptions}};
  return j;
}

}  // namespace kvb
