#!/bin/bash
# Side-by-side criterion comparison of two commits on this machine (issue 21, item 2: "no
# slower"): builds the user-path and sampling benches of BEFORE in a git worktree and of AFTER
# here, sharing one target directory (only the workspace's crates rebuild), then runs the two
# binaries alternately, ROUNDS times, so that the machine's drift falls on both alike, and prints
# each row's mean per commit and the ratio AFTER / BEFORE.
#   benches/compare_commits.sh BEFORE [AFTER=HEAD] [ROUNDS=2]
# Rows: the user path (policy, lazy, init_with and the raw host sampler on GPT-2 small and
# ResNet-50) and the 4096² host fills (inplace, host) of every scheme.
set -euo pipefail
before=$1; after=${2:-HEAD}; rounds=${3:-2}
root=$(git rev-parse --show-toplevel); cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d); log=$work/log
build() { # $1: source dir, $2: label
  (cd "$1" && CARGO_TARGET_DIR=$target cargo bench -p burn-init-benches --features wgpu \
    --bench user_path --bench sampling --no-run --message-format=json 2>/dev/null) |
    grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | while read -r exe; do
      cp "$exe" "$work/$(basename "$exe" | sed 's/-[0-9a-f]*$//')-$2"; done
}
git worktree add -f "$work/before" "$before" >/dev/null
git worktree add -f "$work/after" "$after" >/dev/null
build "$work/before" before
build "$work/after" after
git worktree remove -f "$work/before"; git worktree remove -f "$work/after"
for round in $(seq "$rounds"); do
  for v in before after; do
    echo "=== round $round $v" >> "$log"
    (cd "$work" && ./user_path-$v --bench --noplot 'user_path/(policy|lazy|init_with|host)/' 2>&1 &&
      ./sampling-$v --bench --noplot 'weight_4096x4096/(inplace|host)/[a-z_]*$' 2>&1) |
      grep -E "^[a-z]+/|time:" >> "$log"
  done
done
python3 - "$log" <<'PY'
import re, sys, collections, statistics
rows = collections.defaultdict(lambda: collections.defaultdict(list)); cur = ver = None
for line in open(sys.argv[1]):
    m = re.match(r'=== round \d+ (\w+)', line)
    if m: ver = m.group(1); continue
    if re.match(r'^[a-z]+/', line): cur = line.split()[0]; continue
    m = re.search(r'time:\s+\[\S+ \S+ ([\d.]+) (\w+) ', line)
    if m and cur:
        rows[cur][ver].append(float(m.group(1)) * {'ns': 1e-6, 'µs': 1e-3, 'ms': 1, 's': 1e3}[m.group(2)]); cur = None
print(f"{'row':52s} {'before (ms)':>18s} {'after (ms)':>18s}  after/before")
for name, d in rows.items():
    b, a = d['before'], d['after']
    if b and a:
        f = lambda v: ' '.join(f'{x:.1f}' for x in v)
        print(f"{name:52s} {f(b):>18s} {f(a):>18s}  {statistics.mean(a) / statistics.mean(b):.3f}")
PY
