#!/usr/bin/env bash
# End-to-end benchmark: rasad against a synthetic "internet" served by nginx
# on loopback, side by side with a Python pipeline (feedparser + trafilatura
# + sqlite3) doing the same job. See bench/README.md.
#   bench/run.sh                 # 200 outlets x 50 items = 10,000 articles
#   OUTLETS=20 ITEMS=20 bench/run.sh
#   COMPARE=/path/to/other/rasad bench/run.sh   # another build, same run
#   SKIP_PYTHON=1 bench/run.sh
#   PAGE_KB=91 bench/run.sh                     # pages padded to ~91 KB
#   MAX_PER_HOST=8 bench/run.sh                 # politeness of the rasad config
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-/tmp/rasad-bench}
outlets=${OUTLETS:-200}
items=${ITEMS:-50}
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

# --- the synthetic internet -------------------------------------------------
rm -rf "$work/site"
python3 "$root/bench/gen.py" "$work/site" --outlets "$outlets" --items "$items" --port "$port" --page-kb "${PAGE_KB:-0}" --max-per-host "${MAX_PER_HOST:-4}"
{
  echo "worker_processes 2; pid $work/nginx.pid; error_log $work/nginx-error.log;"
  echo "worker_rlimit_nofile 65536; events { worker_connections 16384; }"
  echo "http { log_format conn '\$server_addr \$connection';"
  echo "  access_log $work/access.log conn buffer=256k; sendfile on; etag on; keepalive_requests 100000;"
  echo "  types { text/html html; application/xml xml; } default_type text/html;"
  for ((o = 0; o < outlets; o++)); do
    ip="127.0.$(((10 + o) / 250)).$(((10 + o) % 250))"
    echo "  server { listen $ip:$port; root $work/site/www/$ip; }"
  done
  echo "}"
} > "$work/nginx.conf"
[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
"$NGINX" -c "$work/nginx.conf" -p "$work"
trap 'kill "$(cat "$work/nginx.pid")" 2>/dev/null || true' EXIT
sleep 0.5

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

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(date -u +%Y-%m-%d); $outlets outlets x $items items"
rm -f "$work/rasad.db"* "$work/access.log"
kill -USR1 "$(cat "$work/nginx.pid")" 2>/dev/null || true
read -r r_wall r_cpu r_rss < <(measure "$work/rasad-cold.log" "$bin" -c "$work/site/feeds.toml" --db "$work/rasad.db" poll -q)
r_n=$("$bin" --db "$work/rasad.db" export | wc -l)
# nginx numbers connections: distinct numbers per address are the TCP
# connections rasad opened to that outlet (the log is flushed by USR1)
kill -USR1 "$(cat "$work/nginx.pid")"; sleep 1
conns=$(python3 - "$work/access.log" <<'PY'
import collections, sys
per = collections.defaultdict(set)
for line in open(sys.argv[1]):
    addr, conn = line.split()
    per[addr].add(conn)
total = sum(len(v) for v in per.values())
print(f"{total} connections over {len(per)} outlets, at most {max(map(len, per.values()), default=0)} to one outlet")
PY
)
echo "rasad cold poll connections: $conns (max_per_host ${MAX_PER_HOST:-4})"
served=$(cat "$work/site/expected.txt")
echo "distinct articles served: $served; rasad export lines: $r_n$([ "$r_n" = "$served" ] && echo " (none lost, none merged)" || echo " (MISMATCH)")"
r_ok=$("$bin" --db "$work/rasad.db" export | grep -c '"extraction":"ok"' || true)
r_stories=$("$bin" --db "$work/rasad.db" export --stories | wc -l)
read -r w_wall w_cpu w_rss < <(measure "$work/rasad-warm.log" "$bin" -c "$work/site/feeds.toml" --db "$work/rasad.db" poll -q)
python3 - "$r_wall" "$r_cpu" "$r_rss" "$r_n" "$r_ok" "$r_stories" "$w_wall" "$w_cpu" "$outlets" <<'PY'
import sys
rw, rc, rr, rn, rok, rs, ww, wc, feeds = sys.argv[1:]
rw, rc, ww, wc = map(float, (rw, rc, ww, wc))
rn, rok, rs, rr = map(int, (rn, rok, rs, rr))
print(f"rasad cold poll:   {rn} articles ({rok} with page text, {rs} stories) in {rw:.2f} s wall = {rn / rw:,.0f} articles/s; "
      f"{rc / rn * 1000:.2f} CPU-s per 1,000 articles; peak RSS {rr / 1024:.1f} MB")
print(f"rasad second poll: {feeds} feeds, all 304: {ww:.3f} s wall, {wc:.3f} CPU-s")
PY
if [ -n "${COMPARE:-}" ]; then
  # the other build's cold poll, on the same sites in the same run
  rm -f "$work/other.db"*
  read -r o_wall o_cpu o_rss < <(measure "$work/other-cold.log" "$COMPARE" -c "$work/site/feeds.toml" --db "$work/other.db" poll -q)
  o_n=$("$COMPARE" --db "$work/other.db" export | wc -l)
  python3 -c "import sys; w,c,r,n=map(float,sys.argv[1:]); print(f'other build cold:  {n:.0f} articles in {w:.2f} s wall = {n / w:,.0f} articles/s; {c / n * 1000:.2f} CPU-s per 1,000 articles; peak RSS {r / 1024:.1f} MB')" "$o_wall" "$o_cpu" "$o_rss" "$o_n"
  rm -f "$work/rasad2.db"*
  read -r r2_wall r2_cpu r2_rss < <(measure "$work/rasad-cold2.log" "$bin" -c "$work/site/feeds.toml" --db "$work/rasad2.db" poll -q)
  python3 -c "import sys; w,c,r,n=map(float,sys.argv[1:]); print(f'this build again:  {n:.0f} articles in {w:.2f} s wall = {n / w:,.0f} articles/s; {c / n * 1000:.2f} CPU-s per 1,000 articles; peak RSS {r / 1024:.1f} MB')" "$r2_wall" "$r2_cpu" "$r2_rss" "$r_n"
fi
[ -n "${SKIP_PYTHON:-}" ] && exit 0
rm -f "$work/py.db"
read -r p_wall p_cpu p_rss < <(measure "$work/python.log" "$work/venv/bin/python" "$root/bench/python_pipeline.py" "$work/site/feeds.txt" "$work/py.db")
p_n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from articles').fetchone()[0])" "$work/py.db")

python3 - "$r_wall" "$r_cpu" "$r_rss" "$r_n" "$r_ok" "$r_stories" "$w_wall" "$w_cpu" "$p_wall" "$p_cpu" "$p_rss" "$p_n" "$outlets" <<'PY'
import sys
rw, rc, rr, rn, rok, rs, ww, wc, pw, pc, pr, pn, feeds = sys.argv[1:]
rw, rc, ww, wc, pw, pc = map(float, (rw, rc, ww, wc, pw, pc))
rn, rok, rs, pn, rr, pr = map(int, (rn, rok, rs, pn, rr, pr))
print(f"python pipeline:   {pn} articles in {pw:.2f} s wall = {pn / pw:,.0f} articles/s; "
      f"{pc / max(pn, 1) * 1000:.2f} CPU-s per 1,000 articles; peak RSS {pr / 1024:.1f} MB")
print(f"ratios rasad/python: throughput {(rn / rw) / (pn / pw):.1f}x, CPU per article {(pc / max(pn, 1)) / (rc / rn):.1f}x less, memory {pr / rr:.1f}x less")
PY
