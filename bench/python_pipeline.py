#!/usr/bin/env python3
"""The same job as `rasad poll`, done the way a competent user would glue it
together in Python: feedparser for the feeds, a thread pool to fetch pages,
trafilatura for the article text, sqlite3 for storage (one row per URL,
tracking parameters stripped).

usage: python_pipeline.py FEEDS_TXT DB [--threads 16]
"""
import argparse
import concurrent.futures
import sqlite3
import sys
import time
import urllib.parse
import urllib.request

import feedparser
import trafilatura


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def canonical(url):
    p = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(p.query) if not k.startswith("utm_")]
    return urllib.parse.urlunsplit((p.scheme, p.netloc, p.path, urllib.parse.urlencode(q), ""))


def process(entry):
    url = canonical(entry.get("link", ""))
    try:
        html = fetch(url)
        text = trafilatura.extract(html) or ""
        source = "page"
    except Exception:  # keep the feed text, as rasad does
        text = entry.get("summary", "")
        source = "feed"
    return url, entry.get("title", ""), text, source


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("feeds")
    ap.add_argument("db")
    ap.add_argument("--threads", type=int, default=16)
    a = ap.parse_args()
    db = sqlite3.connect(a.db)
    db.execute("CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, title TEXT, text TEXT, source TEXT)")
    feeds = [l.strip() for l in open(a.feeds) if l.strip()]
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(a.threads) as pool:
        parsed = list(pool.map(lambda u: feedparser.parse(fetch(u)), feeds))
        seen = set()
        entries = []
        for f in parsed:
            for e in f.entries:
                u = canonical(e.get("link", ""))
                if u and u not in seen:
                    seen.add(u)
                    entries.append(e)
        for row in pool.map(process, entries):
            db.execute("INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?)", row)
    db.commit()
    n = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"python pipeline: {n} articles in {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
