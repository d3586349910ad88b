#!/usr/bin/env bash
# Produces the policy comparison tables of docs/policies.md with cache_simulator: prefix-mode
# block hit ratio per policy and capacity, as markdown, on
#   1. the Mooncake conversation trace (if given as $1 or found in ../shared/traces), and
#   2. a generated multi-turn workload (trace_generator, 3000 conversations, seed 1).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release/bin}
OUT=outputs/policy_comparison
POLICIES=lru,fifo,lfu,arc,s3fifo,sieve,vllm,conversation-aware,belady
mkdir -p "$OUT"

table() {  # results.csv -> markdown table, rows = capacities, columns = policies
  awk -F, 'NR > 1 {
      if (!($1 in seen)) { seen[$1] = 1; pols[++np] = $1 }
      if (!($3 in cseen)) { cseen[$3] = 1; caps[++nc] = $3 }
      v[$1, $3] = $7
    }
    END {
      printf "| capacity (blocks) |"; for (i = 1; i <= np; i++) printf " %s |", pols[i]; print ""
      printf "|---:|"; for (i = 1; i <= np; i++) printf "---:|"; print ""
      for (c = 1; c <= nc; c++) {
        best = -1
        for (i = 1; i <= np; i++) if (pols[i] != "belady" && v[pols[i], caps[c]] > best) best = v[pols[i], caps[c]]
        printf "| %s |", caps[c]
        for (i = 1; i <= np; i++) {
          x = sprintf("%.4f", v[pols[i], caps[c]])
          if (pols[i] != "belady" && v[pols[i], caps[c]] == best) x = "**" x "**"
          printf " %s |", x
        }
        print ""
      }
    }' "$1"
}

MOONCAKE=${1:-../shared/traces/mooncake_conversation_trace.jsonl}
if [ -f "$MOONCAKE" ]; then
  "$BIN/cache_simulator" -q -i "$MOONCAKE" -p "$POLICIES" \
    -c 500,1000,2000,5000,10000,20000,40000 -o "$OUT/mooncake"
  echo "### Mooncake conversation trace (512-token blocks, conversations inferred)"
  echo
  table "$OUT/mooncake/results.csv"
  echo
fi
"$BIN/trace_generator" --conversations 3000 --seed 1 --output "$OUT/multiturn.jsonl" > /dev/null
"$BIN/cache_simulator" -q -i "$OUT/multiturn.jsonl" -p "$POLICIES" \
  -c 2000,5000,10000,20000,40000 -o "$OUT/multiturn"
echo "### Generated multi-turn workload (trace_generator --conversations 3000 --seed 1, 16-token blocks)"
echo
table "$OUT/multiturn/results.csv"
