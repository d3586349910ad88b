#!/usr/bin/env bash
# Simulator speed benchmarks (docs/performance.md). Generates a 20M-access Zipf(0.9) block trace
# (about 2.9M distinct blocks) once under outputs/bench/, runs the Google Benchmark suite, then
# times cache_simulator end to end. Numbers are per run and single-threaded (-j 1).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release/bin}
OUT=outputs/bench
mkdir -p "$OUT"
TRACE="$OUT/zipf20m.oracleGeneral.bin"
if [ ! -s "$TRACE" ]; then
  echo "generating $TRACE (20M accesses, Zipf 0.9, 4M objects)"
  "$BIN/gen_zipf_trace" --format oracle -o "$TRACE"
fi

echo "== Google Benchmark: policies on an in-memory 4M-access Zipf trace, capacity 10% =="
"$BIN/simulator_bench" --benchmark_out="$OUT/simulator_bench.json" --benchmark_out_format=json

summary() {  # dir -> "policy capacity M accesses/s (cpu) ..." lines
  python3 - "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1] + "/summary.json"))
n = j["trace"]["accesses"]
for r in j["results"]:
    print(f'  {r["policy"]:<8} cap {r["capacity"]:>8}: hit {r["block_hit_ratio"]:.4f}, '
          f'{n / r["cpu_s"] / 1e6:6.1f} M accesses/s (cpu {r["cpu_s"]:.2f} s)')
if "lru_mrc" in j:
    m = j["lru_mrc"]
    print(f'  lru MRC (all capacities): {n / m["cpu_s"] / 1e6:6.1f} M accesses/s (cpu {m["cpu_s"]:.2f} s), '
          f'{m["distinct_blocks"]} distinct blocks')
print(f'  wall {j["elapsed_s"]:.2f} s, max RSS {j["max_rss_bytes"] / 2**20:.0f} MiB')
PY
}

echo "== cache_simulator end to end, oracleGeneral input, block mode, capacity 290000 (10%) =="
for p in lru fifo sieve; do
  "$BIN/cache_simulator" -q -j 1 -i "$TRACE" -p "$p" -c 290000 --hit-mode block -o "$OUT/e2e_$p"
  summary "$OUT/e2e_$p"
done
echo "== one lru run and the one-pass MRC in the same run (cost ratio) =="
"$BIN/cache_simulator" -q -j 1 -i "$TRACE" -p lru -c 290000 --hit-mode block --mrc -o "$OUT/e2e_mrc"
summary "$OUT/e2e_mrc"
echo "== memory per cached block: lru at capacity 1000 vs unbounded (all blocks cached) =="
"$BIN/cache_simulator" -q -j 1 -i "$TRACE" -p lru -c 1000 --hit-mode block -o "$OUT/mem_small"
"$BIN/cache_simulator" -q -j 1 -i "$TRACE" -p lru -c inf --hit-mode block -o "$OUT/mem_inf"
python3 - "$OUT" <<'PY'
import json, sys
d = sys.argv[1]
s = json.load(open(d + "/mem_small/summary.json"))
i = json.load(open(d + "/mem_inf/summary.json"))
cached = i["trace"]["accesses"] - i["results"][0]["block_hits"]  # distinct blocks, all cached
extra = i["max_rss_bytes"] - s["max_rss_bytes"]
print(f'  {cached} blocks cached: +{extra / 2**20:.0f} MiB -> {extra / (cached - 1000):.1f} bytes per cached block')
PY
