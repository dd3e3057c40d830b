#!/usr/bin/env bash
# Extraction benchmark over both dev sets (English, and multilingual with
# per-language figures): quality (precision/recall/F1 through the dev set's
# score.py) and speed (pages per second, one thread) of `rasad extract` on
# ../shared/extraction-dev, and of trafilatura on the same pages in the same
# run when a Python with trafilatura is available:
#   python3 -m venv /tmp/tv && /tmp/tv/bin/pip install trafilatura lxml_html_clean
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
now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }

# Per-language figures of a scored run: score.py over each language's ids
# (F1 of mean precision and mean recall, as score.py computes the whole).
per_lang() {
  local out=$1 gold=$2
  python3 - "$gold" "$work/ids" <<'PY'
import json, sys, os
gold = json.load(open(sys.argv[1]))
langs = sorted({g.get("lang") for g in gold.values() if g.get("lang")})
os.makedirs(sys.argv[2], exist_ok=True)
for l in langs:
    with open(os.path.join(sys.argv[2], l), "w") as f:
        f.write("\n".join(k for k, g in gold.items() if g.get("lang") == l))
print(" ".join(langs))
PY
}

# One dev set: rasad (best of $runs runs, one thread) and trafilatura on the
# same pages; for a gold that includes the headline, both give title + body.
run_set() {
  local name=$1 pagedir=$2 gold=$3 with_title=$4
  local pages=("$pagedir"/*.html) n
  n=${#pages[@]}
  local flag=()
  [ "$with_title" = 1 ] && flag=(--with-title)
  local best="" inner=""
  for _ in $(seq "$runs"); do
    rm -rf "$work/$name-rasad"
    local t0 t1 t
    t0=$(now)
    "$bin" extract --timing "${flag[@]}" --out-dir "$work/$name-rasad" "${pages[@]}" 2>"$work/stderr" || true
    t1=$(now)
    best=$(calc "min($t1 - $t0, ${best:-1e9})")
    t=$(sed -n 's/^extracted [0-9]* pages in \([0-9.]*\) s.*/\1/p' "$work/stderr")
    inner=$(calc "min(${t:-1e9}, ${inner:-1e9})")
  done
  local rss="?"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$work/rss.txt" "$bin" extract "${flag[@]}" --out-dir "$work/$name-rss" "${pages[@]}" >/dev/null 2>&1 || true
    rss=$(tail -1 "$work/rss.txt")
  fi
  local rasad_pps rasad_e2e
  rasad_pps=$(calc "$n / $inner")
  rasad_e2e=$(calc "$n / $best")
  echo "== $name: $n pages from $pagedir"
  echo "rasad (one thread, best of $runs runs):"
  python3 "$dev/score.py" "$work/$name-rasad" --gt "$gold" --allow-missing --name rasad | tail -1
  printf '  %.1f pages/s (%.4f s, decoding and extraction only); %.1f pages/s end to end (%.3f s, process start and file I/O included); peak RSS %s KiB\n' \
    "$rasad_pps" "$inner" "$rasad_e2e" "$best" "$rss"
  local traf_pps=""
  if [ -n "$py" ]; then
    mkdir -p "$work/$name-traf"
    local traf_s traf_t0 traf_t1
    traf_t0=$(now)
    traf_s=$("$py" - "$work/$name-traf" "$with_title" "${pages[@]}" <<'PY'
import sys, time, pathlib, trafilatura
out = pathlib.Path(sys.argv[1])
with_title = sys.argv[2] == "1"
pages = [pathlib.Path(p) for p in sys.argv[3:]]
data = [(p, p.read_bytes()) for p in pages]
t0 = time.perf_counter()
results = []
for p, b in data:
    if with_title:
        doc = trafilatura.bare_extraction(b, with_metadata=True)
        text = ""
        if doc is not None:
            body = doc.text or ""
            title = doc.title or ""
            text = title + "\n" + body if title and not body.startswith(title) else body
    else:
        text = trafilatura.extract(b) or ""
    results.append((p, text))
t = time.perf_counter() - t0
for p, text in results:
    (out / (p.stem + ".txt")).write_text(text, encoding="utf-8")
print(t)
PY
)
    traf_t1=$(now)
    echo "trafilatura $("$py" -c 'import trafilatura; print(trafilatura.__version__)') (default settings, one thread):"
    python3 "$dev/score.py" "$work/$name-traf" --gt "$gold" --allow-missing --name trafilatura | tail -1
    traf_pps=$(calc "$n / $traf_s")
    local traf_e2e
    traf_e2e=$(calc "$n / ($traf_t1 - $traf_t0)")
    printf '  %.1f pages/s (%.3f s, extraction calls only); %.1f pages/s whole process (interpreter start, import and file I/O included)\n' \
      "$traf_pps" "$traf_s" "$traf_e2e"
    printf 'speed ratio rasad / trafilatura: %.1fx (extraction only), %.1fx (whole process each), %.1fx (rasad whole process / trafilatura extraction only)\n' \
      "$(calc "$rasad_pps / $traf_pps")" "$(calc "$rasad_e2e / $traf_e2e")" "$(calc "$rasad_e2e / $traf_pps")"
  fi
  local langs
  langs=$(per_lang "$name" "$gold")
  if [ -n "$langs" ]; then
    echo "per language (F1 as score.py computes it, over each language's pages):"
    printf '  %-6s %-8s %-8s\n' lang rasad trafilatura
    for l in $langs; do
      local r tr="-"
      r=$(python3 "$dev/score.py" "$work/$name-rasad" --gt "$gold" --ids "$work/ids/$l" --allow-missing --n-bootstrap 1 | tail -1 | awk '{print $3}')
      [ -n "$py" ] && tr=$(python3 "$dev/score.py" "$work/$name-traf" --gt "$gold" --ids "$work/ids/$l" --allow-missing --n-bootstrap 1 | tail -1 | awk '{print $3}')
      printf '  %-6s %-8s %-8s\n' "$l" "$r" "$tr"
    done
  fi
  echo
}

echo "extraction benchmark; machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
[ -n "$py" ] || echo "trafilatura not found (set TRAFILATURA_PYTHON to a python with trafilatura installed): rasad figures only"
echo
run_set english "$dev/pages" "$dev/gold.json" 0
if [ -d "$dev/multilingual/pages" ]; then
  # this gold includes each page's headline
  run_set multilingual "$dev/multilingual/pages" "$dev/multilingual/gold.json" 1
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
