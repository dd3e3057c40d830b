#!/usr/bin/env python3
"""Generate a synthetic news "internet" for bench/run.sh.

N outlets x M items (default 200 x 50 = 10,000 articles). Each outlet is a
static site under OUT/www/<ip>/ (served by nginx on its own 127.0.0.x
address): an RSS 2.0 feed and one HTML page per item, built from several
realistic templates (WordPress-like, news-site-like, blog-like) with menus,
share bars, related stories, comment sections and footers. A fifth of the
outlets are Arabic in windows-1256; the rest mix English and Arabic UTF-8.
About 10 % of items are syndicated copies of another outlet's story (prefix,
a dropped paragraph) and about 5 % are exact repeats (the same item listed
twice, once with tracking parameters). About a tenth of the pages embed
another page's JSON-LD `NewsArticle` (a "next article" preload or a widget,
with that article's whole `articleBody`), and another tenth carry two
JSON-LD articles, the foreign one and their own.

Also writes OUT/expected.txt: the number of distinct articles served (one
per page URL), which the export must match line for line.

Also writes OUT/feeds.toml for rasad and OUT/feeds.txt (one feed URL a line)
for the Python pipeline.

usage: gen.py OUT [--outlets 200] [--items 50] [--port 8080] [--seed 1]
"""
import argparse
import os
import random

AR_WORDS = ("قالت مصادر محلية إن اشتباكات اندلعت في ريف المدينة بين قوات الأمن ومسلحين مجهولين "
            "وأضافت أن الأهالي يعانون من انقطاع المياه والكهرباء منذ أيام وسط ارتفاع أسعار الخبز "
            "والمحروقات وطالبوا الإدارة المحلية بحلول عاجلة فيما أعلنت المنظمات الإنسانية عن توزيع "
            "مساعدات غذائية على العائلات النازحة في المخيمات مع اقتراب فصل الشتاء").split()
EN_WORDS = ("local sources said clashes broke out in the countryside between security forces and "
            "unknown gunmen residents have been without water and electricity for days as prices of "
            "bread and fuel rose sharply they called on the local administration to act quickly while "
            "humanitarian groups announced food aid for displaced families in the camps as winter "
            "approaches officials said an investigation was under way").split()
AR_PLACES = ["الحسكة", "القامشلي", "الرقة", "كوباني", "دير الزور", "منبج", "الطبقة", "رأس العين", "عامودا", "المالكية"]
EN_PLACES = ["Hasakah", "Qamishli", "Raqqa", "Kobani", "Deir ez-Zor", "Manbij", "Tabqa", "Ras al-Ain", "Amuda", "Malikiyah"]


def sentence(rng, words, places):
    n = rng.randint(14, 26)
    s = [rng.choice(words) for _ in range(n)]
    s.insert(rng.randint(0, n), rng.choice(places))
    s.insert(rng.randint(0, n), str(rng.randint(2, 400)))
    return " ".join(s)


def story(rng, arabic):
    words, places = (AR_WORDS, AR_PLACES) if arabic else (EN_WORDS, EN_PLACES)
    paras = []
    for _ in range(rng.randint(5, 8)):
        p = ". ".join(sentence(rng, words, places) for _ in range(rng.randint(2, 3)))
        paras.append(p + ("." if not arabic else "."))
    title = " ".join(rng.choice(words) for _ in range(6)) + " " + rng.choice(places)
    return title, paras


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def json_ld(url, title, paras):
    import json
    return json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "url": url,
                       "headline": title, "articleBody": "\n".join(paras)}, ensure_ascii=False)


def page(template, title, paras, arabic, charset, links, ld=""):
    body = "".join(f"<p>{esc(p)}</p>\n" for p in paras)
    related = "".join(f'<li><a href="{l}">{esc(t)}</a></li>' for l, t in links)
    rtl = ' dir="rtl" lang="ar"' if arabic else ' lang="en"'
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    if ld:
        meta += f'<script type="application/ld+json">{ld}</script>'
    share = "شارك هذا" if arabic else "Share this"
    footer = "التعليقات مغلقة، ولكن تركبكس وبينغبكس مفتوحة." if arabic else "Comments are closed."
    nav = "".join(f'<li><a href="/c/{i}">{"قسم" if arabic else "Section"} {i}</a></li>' for i in range(12))
    if template == 0:  # WordPress
        return (f"<!DOCTYPE html><html{rtl}><head>{meta}<title>{esc(title)}</title>"
                f'<script>var x = {{"a": 1}};</script><style>body{{margin:0}}</style></head>'
                f'<body class="single single-post has-sidebar"><header id="masthead"><nav class="main-navigation"><ul>{nav}</ul></nav></header>'
                f'<main id="main"><article class="post hentry"><h1 class="entry-title">{esc(title)}</h1>'
                f'<div class="entry-meta">2025-11-03</div><div class="entry-content">{body}'
                f'<div class="sharedaddy"><h3>{share}</h3><a href="#">f</a><a href="#">t</a></div></div></article>'
                f'<div id="jp-relatedposts" class="jp-relatedposts"><ul>{related}</ul></div>'
                f'<div id="comments" class="comments-area"><p class="nocomments">{footer}</p>'
                f'<form id="commentform"><textarea></textarea></form></div></main>'
                f'<aside id="secondary" class="widget-area"><ul>{related}</ul></aside>'
                f'<footer id="colophon">© 2025</footer></body></html>')
    if template == 1:  # news site
        return (f"<!DOCTYPE html><html{rtl}><head>{meta}<title>{esc(title)}</title>"
                f'<meta property="og:title" content="{esc(title)}"></head><body>'
                f'<div class="top-bar"><ul class="menu">{nav}</ul></div>'
                f'<div class="container"><div class="row"><div class="col-md-8 article-main-content">'
                f'<h1>{esc(title)}</h1><div class="article-body">{body}</div>'
                f'<div class="social-share"><a href="#">share</a></div>'
                f'<div class="related-articles"><h3>{"اقرأ أيضا" if arabic else "Read also"}</h3><ul>{related}</ul></div></div>'
                f'<div class="col-md-4 sidebar"><div class="most-read"><ul>{related}</ul></div></div></div></div>'
                f'<footer class="site-footer"><p>{"جميع الحقوق محفوظة" if arabic else "All rights reserved"}</p></footer></body></html>')
    # blog-like: paragraphs directly in a div, no classes on the content
    return (f"<!DOCTYPE html><html{rtl}><head>{meta}<title>{esc(title)}</title></head><body>"
            f"<div id=\"nav\"><ul>{nav}</ul></div><div><div><h2>{esc(title)}</h2>{body}</div>"
            f"<div class=\"tags\"><a href=\"/t/1\">tag</a> <a href=\"/t/2\">tag</a></div></div>"
            f"<div class=\"footer\">{footer}</div></body></html>")


def pad(html, size, seed):
    """The page with inline scripts and styles in its head up to `size`
    bytes: what makes real news pages 50-150 KB."""
    lines = []
    n = len(html.encode("utf-8"))
    k = 0
    while n < size:
        line = (f'window.__ads{seed}_{k} = {{"slot": "div-gpt-ad-{seed}-{k}", "sizes": [[300, 250], [728, 90]], '
                f'"targeting": {{"section": "news", "pos": "{k % 7}"}}}};\n')
        lines.append(line)
        n += len(line)
        k += 1
    script = "<script>" + "".join(lines) + "</script>"
    return html.replace("</head>", script + "</head>", 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--outlets", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-per-host", type=int, default=4)
    ap.add_argument("--page-kb", type=int, default=0,
                    help="pad each page to about this many KB with inline scripts, as real pages are")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    www = os.path.join(a.out, "www")
    os.makedirs(www, exist_ok=True)
    published = []  # (title, paras, arabic, url, outlet) of stories, for syndication
    feeds = []
    for o in range(a.outlets):
        ip = f"127.0.{(10 + o) // 250}.{(10 + o) % 250}"
        base = f"http://{ip}:{a.port}"
        root = os.path.join(www, ip)
        os.makedirs(os.path.join(root, "a"), exist_ok=True)
        legacy = o % 5 == 0  # a fifth: Arabic in windows-1256
        arabic = legacy or o % 2 == 1
        charset = "windows-1256" if legacy else "utf-8"
        items = []
        carried = set()  # stories this outlet already copied (twice would be an exact repeat)
        for i in range(a.items):
            url = f"{base}/a/{i}.html"
            others = [p for p in published[-500:] if p[4] != o and p[3] not in carried]
            if others and rng.random() < 0.10:
                # another outlet's story (a copy on its own site would be an exact repeat)
                t, paras, ar, src, _ = rng.choice(others)
                carried.add(src)
                paras = list(paras)
                if len(paras) > 4:
                    paras.pop(rng.randrange(1, len(paras)))
                title = ("عاجل: " if ar else "BREAKING: ") + t
                page_arabic = ar
            else:
                title, paras = story(rng, arabic)
                page_arabic = arabic
                published.append((title, paras, arabic, url, o))
            links = [(f"{base}/a/{rng.randrange(a.items)}.html", "related story") for _ in range(5)]
            enc = "cp1256" if legacy else "utf-8"
            ld = ""
            r = rng.random()
            if published and r < 0.2:
                # another page's article embedded whole; half the time beside this page's own
                ft, fparas, _, furl, _ = rng.choice(published)
                ld = json_ld(furl, ft, fparas)
                if r < 0.1:
                    ld = f"[{ld},{json_ld(url, title, paras)}]"
            html = page(rng.randrange(3), title, paras, page_arabic, charset, links, ld)
            if a.page_kb:
                html = pad(html, a.page_kb * 1024, i)
            with open(os.path.join(root, "a", f"{i}.html"), "wb") as f:
                f.write(html.encode(enc, errors="replace"))
            items.append((title, url, paras[0][:200]))
        rss = [f'<?xml version="1.0" encoding="{charset}"?><rss version="2.0"><channel><title>outlet {o}</title><link>{base}/</link>']
        for n, (title, link, teaser) in enumerate(items):
            rss.append(f"<item><title>{esc(title)}</title><link>{link}</link><guid>{link}</guid>"
                       f"<pubDate>Mon, 03 Nov 2025 10:{n % 60:02d}:00 +0300</pubDate><description>{esc(teaser)}</description></item>")
            if rng.random() < 0.05:  # an exact repeat with tracking parameters
                rss.append(f"<item><title>{esc(title)}</title><link>{link}?utm_source=rss&amp;utm_medium=feed</link>"
                           f"<description>{esc(teaser)}</description></item>")
        rss.append("</channel></rss>")
        with open(os.path.join(root, "feed.xml"), "wb") as f:
            f.write("".join(rss).encode("cp1256" if legacy else "utf-8", errors="replace"))
        feeds.append((f"outlet {o}", f"{base}/feed.xml", "ar" if arabic else "en"))
    with open(os.path.join(a.out, "feeds.toml"), "w") as f:
        f.write('db = "rasad.db"\n[defaults]\ninterval = "30m"\n'
                f'[fetch]\ntimeout = "30s"\nmax_per_host = {a.max_per_host}\nmax_concurrency = 128\nhost_gap = "0s"\n'
                'allow_networks = ["127.0.0.0/16"]\n')
        for name, url, lang in feeds:
            f.write(f'[[feed]]\nname = "{name}"\nurl = "{url}"\nlang = "{lang}"\n')
    with open(os.path.join(a.out, "expected.txt"), "w") as f:
        f.write(f"{a.outlets * a.items}\n")
    with open(os.path.join(a.out, "feeds.txt"), "w") as f:
        f.write("".join(url + "\n" for _, url, _ in feeds))
    print(f"{a.outlets} outlets x {a.items} items under {www}")


if __name__ == "__main__":
    main()
