#!/bin/bash
# Every output file of `doit pools` over every real OpenRouter dump x both LLM-Stats snapshots, fresh and in sequence.
#
# Usage: benchmarks/all_outputs.sh TREE OUTDIR [DATA]
#   TREE: a checkout of modelpools with its own .venv (pip install -e .); DATA: the real data (default TREE/../shared/data).
# The dumps are served from 127.0.0.1 and each LLM-Stats snapshot is a local git repository (file://), so nothing
# leaves the machine. The port and the catalog cache's hash (which covers the URL) are normalized, so two trees'
# outputs compare with `diff -rq A B`: the check that a refactor changes no output byte.
# With ../shared/tools/check_contract.py beside it, `for d in OUT/*/; do check_contract.py $d/model-pools.json DUMP`
# checks the reference contract on every output.
set -u
TREE=$(realpath "$1"); OUT=$(realpath -m "$2"); DATA=$(realpath -m "${3:-$TREE/../shared/data}")
[ -d "$DATA/openrouter" ] && [ -d "$DATA/llm-stats" ] || { echo "all_outputs.sh: no real data at $DATA; give its path as the third argument" >&2; exit 2; }
PY=$TREE/.venv/bin/python
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# the snapshots' repositories sit at one fixed path with fixed dates, so their commit and URL (which the outputs
# record) are the same in every run
REPOS=${TMPDIR:-/tmp}/modelpools-llmstats-repos
for snap in $(cd "$DATA/llm-stats" && ls); do
  R=$REPOS/repo-$snap
  [ -d "$R/.git" ] && continue
  mkdir -p "$R"; cp -r "$DATA/llm-stats/$snap/." "$R"/
  (cd "$R" && git init -q && git add -A && GIT_COMMITTER_DATE=2025-10-16T00:00:00Z git -c user.email=bench@example.invalid \
    -c user.name=bench commit -qm snapshot --date=2025-10-16T00:00:00Z)
done
PORT=$((20000 + RANDOM % 20000))
(cd "$DATA/openrouter" && exec "$PY" -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SRV=$!
sleep 1
run() { # site dump snapshot -> "rc=N"
  mkdir -p "$1"; [ -f "$1/dodo.py" ] || echo 'from modelpools.tasks import *' > "$1/dodo.py"
  (cd "$1" && PYTHONPATH=$TREE MODELPOOLS_OPENROUTER_URL=http://127.0.0.1:$PORT/$2 \
    MODELPOOLS_BENCHMARKS_REPO=file://$REPOS/repo-$3 MODELPOOLS_CATALOG_TTL=0 "$PY" -m doit pools >/dev/null 2>&1
   echo "rc=$?")
}
keep() { # cache dir -> out dir
  mkdir -p "$2"; (cd "$1" && find . -maxdepth 1 -type f -name '*.json' ! -name '*meta*' -exec cp {} "$2/" \;)
}
for snap in $(cd "$DATA/llm-stats" && ls); do
  for d in $(cd "$DATA/openrouter" && ls models-*.json); do
    run "$W/fresh-$snap-$d" "$d" "$snap" > "$W/rc"; keep "$W/fresh-$snap-$d/.cache" "$OUT/fresh-$snap-$d"
    mv "$W/rc" "$OUT/fresh-$snap-$d/rc"
    run "$W/seq-$snap" "$d" "$snap" > "$W/rc"; keep "$W/seq-$snap/.cache" "$OUT/seq-$snap-$d"
    mv "$W/rc" "$OUT/seq-$snap-$d/rc"
  done
done
kill $SRV
find "$OUT" -type f -name '*.json' -exec sed -i -E -e 's#127\.0\.0\.1:[0-9]+#127.0.0.1:PORT#g' \
  -e 's#"catalogSha256": "[0-9a-f]+"#"catalogSha256": "-"#' {} +
echo "$(find "$OUT" -type f -name rc | wc -l) builds, $(grep -l 'rc=0' -r "$OUT" --include=rc | wc -l) succeeded; outputs in $OUT"
