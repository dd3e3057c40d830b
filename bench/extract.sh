#!/usr/bin/env bash
# Extraction benchmark: quality (precision/recall/F1 through the dev set's
# score.py) and speed (pages per second, one thread) of `rasad extract` on
# ../shared/extraction-dev, and of trafilatura on the same pages in the same
# run when a Python with trafilatura is available:
#   python3 -m venv /tmp/tv && /tmp/tv/bin/pip install trafilatura
#   TRAFILATURA_PYTHON=/tmp/tv/bin/python bench/extract.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dev=${EXTRACTION_DEV:-$root/../shared/extraction-dev}
runs=${RUNS:-3}
[ -d "$dev/pages" ] || { echo "no extraction dev set at $dev (set EXTRACTION_DEV)" >&2; exit 1; }

py=${TRAFILATURA_PYTHON:-}
if [ -z "$py" ]; then
  for c in /tmp/tv/bin/python "$root/.venv/bin/python" python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import trafilatura' 2>/dev/null; then py=$c; break; fi
  done
fi

cd "$root"
cargo build --release --quiet
bin="$root/target/release/rasad"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pages=("$dev"/pages/*.html)
n=${#pages[@]}

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
best=""
inner=""
for _ in $(seq "$runs"); do
  rm -rf "$work/rasad"
  t0=$(now)
  "$bin" extract --timing --out-dir "$work/rasad" "${pages[@]}" 2>"$work/stderr" || true
  t1=$(now)
  best=$(calc "min($t1 - $t0, ${best:-1e9})")
  t=$(sed -n 's/^extracted [0-9]* pages in \([0-9.]*\) s.*/\1/p' "$work/stderr")
  inner=$(calc "min(${t:-1e9}, ${inner:-1e9})")
done
rss="?"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f '%M' -o "$work/rss.txt" "$bin" extract --out-dir "$work/rss" "${pages[@]}" >/dev/null 2>&1 || true
  rss=$(tail -1 "$work/rss.txt")
fi
rasad_pps=$(calc "$n / $inner")
rasad_e2e=$(calc "$n / $best")

echo "extraction benchmark: $n pages from $dev"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
echo
echo "rasad (one thread, best of $runs runs, process start included):"
python3 "$dev/score.py" "$work/rasad" --allow-missing | tail -2
printf '  %.1f pages/s (%.4f s for %d pages, decoding and extraction only)\n' "$rasad_pps" "$inner" "$n"
printf '  %.1f pages/s end to end (%.3f s: process start, file reads and writes included), peak RSS %s KiB\n' "$rasad_e2e" "$best" "$rss"

if [ -n "$py" ]; then
  echo
  echo "trafilatura ($("$py" -c 'import trafilatura; print(trafilatura.__version__)'), default settings, one thread):"
  mkdir -p "$work/traf"
  traf_s=$("$py" - "$work/traf" "${pages[@]}" <<'PY'
import sys, time, pathlib, trafilatura
out = pathlib.Path(sys.argv[1])
pages = [pathlib.Path(p) for p in sys.argv[2:]]
data = [(p, p.read_bytes()) for p in pages]
t0 = time.perf_counter()
results = [(p, trafilatura.extract(b) or "") for p, b in data]
t = time.perf_counter() - t0
for p, text in results:
    (out / (p.stem + ".txt")).write_text(text, encoding="utf-8")
print(t)
PY
)
  python3 "$dev/score.py" "$work/traf" --allow-missing | tail -2
  traf_pps=$(calc "$n / $traf_s")
  printf '  %.1f pages/s (%.3f s for %d pages, extraction calls only)\n' "$traf_pps" "$traf_s" "$n"
  echo
  printf 'speed ratio rasad / trafilatura, extraction calls only: %.1fx\n' "$(calc "$rasad_pps / $traf_pps")"
  printf 'speed ratio rasad end to end / trafilatura extraction calls only: %.1fx\n' "$(calc "$rasad_e2e / $traf_pps")"
else
  echo
  echo "trafilatura not found (set TRAFILATURA_PYTHON to a python with trafilatura installed) — rasad figures only"
fi

# Memory per page: one 5 MiB article page (the page size cap) and one page of
# 100,000 nested elements, each extracted alone.
python3 - "$work/big.html" "$work/nested.html" <<'PY'
import random, sys
random.seed(1)
words = "الحسكة القامشلي دير الزور الرقة كوباني قال مصدر محلي إن اشتباكات اندلعت في ريف المدينة the local council said on Sunday that".split()
parts = ['<html><body><nav>' + ''.join('<a href="/%d">menu %d</a>' % (i, i) for i in range(200)) + '</nav><div class="content">']
size = 0
while size < 5 * 1024 * 1024:
    p = '<div class="row"><p>' + ' '.join(random.choice(words) for _ in range(80)) + '، <a href="/x">link</a>.</p></div>\n'
    parts.append(p)
    size += len(p.encode())
parts.append('</div></body></html>')
open(sys.argv[1], 'w').write(''.join(parts))
open(sys.argv[2], 'w').write('<div>' * 100000 + '<p>' + 'نص ' * 1000 + '</p>')
PY
echo
for page in big nested; do
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%e %M" -o "$work/$page.time" "$bin" extract --out-dir "$work/$page-out" "$work/$page.html" >/dev/null 2>&1 || true
    read -r secs kib < "$work/$page.time"
    printf '%s page (%s bytes): %s s, peak RSS %s KiB\n' "$page" "$(wc -c < "$work/$page.html")" "$secs" "$kib"
  fi
done
