#!/usr/bin/env bash
# Side by side: every Sigma rule's hits by Chainsaw's `hunt` (its own Sigma mapping) and by
# huntbench over the same EVTX files. Chainsaw is not part of this project: build it from its
# public source (BENCHMARKS.md says how) and name its binary and mapping here.
#
# usage: ci/compare/sigma-chainsaw.sh CHAINSAW_BIN CHAINSAW_MAPPING RULES_DIR EVTX_FILE...
#        (HUNTBENCH defaults to target/release/huntbench)
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,7p "$0"; exit 2; }
chainsaw=$1 mapping=$2 rules=$3
shift 3
huntbench=${HUNTBENCH:-target/release/huntbench}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$chainsaw" hunt "$@" -s "$rules" --mapping "$mapping" --json -q -o "$work/chainsaw.json"
# Exit 1 says records were rejected (and listed on stderr): the rows still stand.
rc=0
HUNTBENCH_CONFIG="$work/config" HUNTBENCH_DATA="$work/data" \
    "$huntbench" hunt --sigma "$rules" --format json --input "$@" >"$work/huntbench.json" || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
python3 "$here/sigma_hits.py" "$work/chainsaw.json" "$work/huntbench.json" ${SIGMA_HITS_JSON:+--json "$SIGMA_HITS_JSON"}
