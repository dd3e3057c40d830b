#!/usr/bin/env bash
# End-to-end benchmark: rasad against a synthetic "internet" served by nginx
# on loopback, side by side with a Python pipeline (feedparser + trafilatura
# + sqlite3) doing the same job. See bench/README.md.
#   bench/run.sh                 # 200 x 50 and 1,000 x 50 items, each with the
#                                # host gap off and on, then the Python pipeline
#   SIZES="20x20" bench/run.sh   # outlets x items, several separated by spaces
#   GAPS="0s 250ms" bench/run.sh # the host_gap settings rasad runs with
#   COMPARE=/path/to/other/rasad bench/run.sh   # another build, same run
#   SKIP_PYTHON=1 bench/run.sh
#   PAGE_KB=91 bench/run.sh                     # pages padded to ~91 KB
#   MAX_PER_HOST=8 bench/run.sh                 # politeness of the rasad config
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-/tmp/rasad-bench}
sizes=${SIZES:-${OUTLETS:+${OUTLETS}x${ITEMS:-50}}}
sizes=${sizes:-200x50 1000x50}
gaps=${GAPS:-0s 250ms}
page_kb=${PAGE_KB:-0}
max_per_host=${MAX_PER_HOST:-4}
port=${PORT:-8080}

# --- what the benchmark needs --------------------------------------------
need_apt=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$work"
if [ ! -x "$work/venv/bin/python" ] || ! "$work/venv/bin/python" -c 'import feedparser, trafilatura' 2>/dev/null; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q feedparser trafilatura lxml_html_clean
fi
(cd "$root" && cargo build --release --quiet)
bin="$root/target/release/rasad"

# /usr/bin/time -v → "wall cpu rss_kib"
measure() {
  local log="$1"; shift
  /usr/bin/time -v "$@" > /dev/null 2> "$log"
  python3 - "$log" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def f(k):
    m = re.search(k + r": *([0-9.:]+)", t)
    return m.group(1) if m else "0"
wall = f(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\)")
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(f(r"User time \(seconds\)")) + float(f(r"System time \(seconds\)"))
rss = f(r"Maximum resident set size \(kbytes\)")
print(f"{secs:.3f} {cpu:.3f} {rss}")
PY
}

# nginx numbers its connections: distinct numbers per address are the TCP
# connections opened to that outlet (the log is reopened and flushed by USR1)
log_reset() { rm -f "$work/access.log"; kill -USR1 "$(cat "$work/nginx.pid")"; sleep 0.3; }
connections() {
  kill -USR1 "$(cat "$work/nginx.pid")"; sleep 1
  python3 - "$work/access.log" <<'PY'
import collections, sys
per = collections.defaultdict(set)
try:
    for line in open(sys.argv[1]):
        addr, conn = line.split()
        per[addr].add(conn)
except FileNotFoundError:
    pass
print(sum(len(v) for v in per.values()), max(map(len, per.values()), default=0))
PY
}

# one row: what, articles, wall, cpu, rss_kib, connections, most to one outlet
row() {
  python3 -c '
import sys
what, n, w, c, r, conns, most = sys.argv[1:]
n, w, c, r = int(n), float(w), float(c), int(r)
print(f"| {what} | {n:,} | {w:.1f} s | {n / w:,.0f} | {c / max(n, 1) * 1000:.2f} | {r / 1024:.1f} MB | {int(conns):,} (at most {most} to one outlet) |")
' "$@"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(date -u +%Y-%m-%d); sizes $sizes; host gaps $gaps; pages ${page_kb} KB; max_per_host $max_per_host"
echo
echo "| run | articles | wall | articles/s | CPU-ms per article | peak RSS | TCP connections |"
echo "|---|---|---|---|---|---|---|"
for size in $sizes; do
  outlets=${size%x*}; items=${size#*x}
  site="$work/site-$outlets-$items-$page_kb-$max_per_host"
  # --- the synthetic internet (kept between runs: the 1,000 x 50 one is 4.5 GB)
  if [ ! -f "$site/expected.txt" ]; then
    rm -rf "$site"
    python3 "$root/bench/gen.py" "$site" --outlets "$outlets" --items "$items" --port "$port" --page-kb "$page_kb" --max-per-host "$max_per_host" >&2
  fi
  {
    echo "worker_processes 2; pid $work/nginx.pid; error_log $work/nginx-error.log;"
    echo "worker_rlimit_nofile 65536; events { worker_connections 16384; }"
    echo "http { log_format conn '\$server_addr \$connection';"
    echo "  access_log $work/access.log conn buffer=256k; sendfile on; etag on; keepalive_requests 100000;"
    echo "  types { text/html html; application/xml xml; } default_type text/html;"
    for ((o = 0; o < outlets; o++)); do
      ip="127.0.$(((10 + o) / 250)).$(((10 + o) % 250))"
      echo "  server { listen $ip:$port; root $site/www/$ip; }"
    done
    echo "}"
  } > "$work/nginx.conf"
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null && sleep 0.5 || true
  "$NGINX" -c "$work/nginx.conf" -p "$work"
  trap 'kill "$(cat "$work/nginx.pid")" 2>/dev/null || true' EXIT
  sleep 0.5
  served=$(cat "$site/expected.txt")

  builds=("$bin")
  [ -n "${COMPARE:-}" ] && builds+=("$COMPARE")
  for gap in $gaps; do
    sed "s/^host_gap = .*/host_gap = \"$gap\"/" "$site/feeds.toml" > "$work/feeds-$gap.toml"
    for b in "${builds[@]}"; do
      label=rasad; [ "$b" != "$bin" ] && label="other build"
      rm -f "$work/rasad.db"*
      log_reset
      read -r wall cpu rss < <(measure "$work/rasad-cold.log" "$b" -c "$work/feeds-$gap.toml" --db "$work/rasad.db" poll -q)
      read -r conns most < <(connections)
      n=$("$bin" --db "$work/rasad.db" export 2>/dev/null | wc -l)
      [ "$n" = "$served" ] || echo "MISMATCH: $served distinct articles served, $n exported ($label, $size, gap $gap)" >&2
      row "$label, $size, host_gap $gap, cold" "$n" "$wall" "$cpu" "$rss" "$conns" "$most"
      if [ "$b" = "$bin" ]; then
        log_reset
        read -r wall cpu rss < <(measure "$work/rasad-warm.log" "$b" -c "$work/feeds-$gap.toml" --db "$work/rasad.db" poll -q)
        read -r conns most < <(connections)
        echo "| rasad, $size, host_gap $gap, second poll (all 304): $outlets feeds | 0 | $wall s | | $(python3 -c "print(f'{$cpu:.3f} CPU-s in all')") | $((rss / 1024)) MB | $conns |"
      fi
    done
  done
  if [ -z "${SKIP_PYTHON:-}" ]; then
    rm -f "$work/py.db"
    log_reset
    read -r wall cpu rss < <(measure "$work/python.log" "$work/venv/bin/python" "$root/bench/python_pipeline.py" "$site/feeds.txt" "$work/py.db")
    read -r conns most < <(connections)
    n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from articles').fetchone()[0])" "$work/py.db")
    row "Python pipeline (16 threads), $size" "$n" "$wall" "$cpu" "$rss" "$conns" "$most"
  fi
done
