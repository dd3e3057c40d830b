//! Every article stays its own, under the outlet that published it: pages
//! that embed another page's JSON-LD, the same text on two sites, a feed
//! that lists another outlet's article first, and items with nothing to
//! know them by.

use serde_json::Value;

use super::server::{Route, TestServer};
use super::{ok, page, rasad, rss_item, P1, P2, P3};

const HTML: &str = "text/html; charset=utf-8";

/// A long review of something else, as widgets and "next article"
/// preloads embed it.
fn foreign_ld() -> String {
    let body = "Our reviewer spent two weeks with the new laptop. The keyboard is excellent, \
the battery lasts a full working day, and the screen is bright enough for use outdoors. "
        .repeat(12);
    format!(
        r#"{{"@context":"https://schema.org","@type":"NewsArticle","url":"https://reviews.example/laptop","headline":"Two weeks with the new laptop","articleBody":{},"author":{{"name":"Reviewer"}}}}"#,
        serde_json::to_string(&body).expect("json")
    )
}

fn with_ld(html: String, ld: &str) -> String {
    html.replacen(
        "</head>",
        &format!("<script type=\"application/ld+json\">{ld}</script></head>"),
        1,
    )
}

fn rss(s: &TestServer, items: &[(String, String)]) -> String {
    let body: String = items
        .iter()
        .map(|(t, path)| rss_item(t, &s.url(path), path, "موجز"))
        .collect();
    format!("<rss version=\"2.0\"><channel><title>x</title>{body}</channel></rss>")
}

fn rows(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn config(feeds: &[(&str, String)]) -> String {
    let mut c = String::from("[fetch]\nallow_networks = [\"127.0.0.0/8\"]\nhost_gap = \"0s\"\n");
    for (name, url) in feeds {
        c.push_str(&format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    c
}

#[test]
fn pages_embedding_another_pages_json_ld_stay_their_own() {
    let dir = tempfile::tempdir().expect("tmp");
    let outlets: Vec<TestServer> = (2..7)
        .map(|i| TestServer::start(&format!("127.0.0.{i}")))
        .collect();
    let foreign = foreign_ld();
    let mut feeds = Vec::new();
    let mut expected: Vec<(String, String)> = Vec::new(); // (url part, text)
    for (o, s) in outlets.iter().enumerate() {
        let mut items = Vec::new();
        for k in 0..7 {
            let path = format!("/news/{o}-{k}");
            let marker = format!(
                "وقال مصدر إن عدد المتضررين في الحي {o}{k} بلغ نحو {} عائلة حتى مساء اليوم.",
                100 + o * 10 + k
            );
            let title = format!("خبر {o}-{k} عن الحسكة");
            let (html, text) = if k % 3 == 2 {
                // two JSON-LD articles: the foreign one and this page's own,
                // whose body is longer than what the page shows
                let own_body = format!("{marker}\n{P2}\n{P3}");
                let own = format!(
                    r#"{{"@type":"NewsArticle","mainEntityOfPage":{{"@id":"{}"}},"headline":"{title}","articleBody":{}}}"#,
                    s.url(&path),
                    serde_json::to_string(&own_body).expect("json")
                );
                (
                    with_ld(
                        page(&title, &[&marker], None),
                        &format!("[{foreign},{own}]"),
                    ),
                    own_body,
                )
            } else {
                (
                    with_ld(page(&title, &[&marker, P1], None), &foreign),
                    format!("{marker}\n{P1}"),
                )
            };
            s.route(&path, Route::ok(HTML, html));
            items.push((title, path.clone()));
            expected.push((s.url(&path), text));
        }
        s.route("/feed", Route::ok("application/rss+xml", rss(s, &items)));
        feeds.push((format!("outlet{o}"), s.url("/feed")));
    }
    let named: Vec<(&str, String)> = feeds.iter().map(|(n, u)| (n.as_str(), u.clone())).collect();
    std::fs::write(dir.path().join("feeds.toml"), config(&named)).expect("config");
    ok(rasad(dir.path(), &["poll"]));
    let rows = rows(&ok(rasad(dir.path(), &["export"])));
    assert_eq!(rows.len(), expected.len(), "every page is its own line");
    for (url, text) in &expected {
        let row = rows
            .iter()
            .find(|r| r["url"].as_str() == Some(url.as_str()))
            .unwrap_or_else(|| panic!("no line for {url}"));
        assert_eq!(row["text"].as_str(), Some(text.as_str()), "{url}");
        assert_eq!(row["extraction"], "ok");
        assert_eq!(row["urls"].as_array().map(Vec::len), Some(1), "{row:#}");
    }
    assert!(
        !rows
            .iter()
            .any(|r| r["text"].as_str().is_some_and(|t| t.contains("laptop"))),
        "no page carries the foreign article's body"
    );
    assert!(!rows.iter().any(|r| r["author"] == "Reviewer"));
}

#[test]
fn the_same_text_on_two_sites_is_two_articles_of_one_story() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = TestServer::start("127.0.0.2");
    let b = TestServer::start("127.0.0.3");
    let text = [P1, P2, P3];
    for s in [&a, &b] {
        s.route(
            "/news/1",
            Route::ok(HTML, page("اشتباكات في ذيبان", &text, None)),
        );
        s.route(
            "/feed",
            Route::ok(
                "application/rss+xml",
                rss(s, &[("اشتباكات في ذيبان".into(), "/news/1".into())]),
            ),
        );
    }
    // on one site under two URLs: one article
    a.route(
        "/category/1",
        Route::ok(HTML, page("اشتباكات في ذيبان", &text, None)),
    );
    a.route(
        "/feed2",
        Route::ok(
            "application/rss+xml",
            rss(&a, &[("نسخة".into(), "/category/1".into())]),
        ),
    );
    std::fs::write(
        dir.path().join("feeds.toml"),
        config(&[
            ("A", a.url("/feed")),
            ("A2", a.url("/feed2")),
            ("B", b.url("/feed")),
        ]),
    )
    .expect("config");
    ok(rasad(dir.path(), &["poll", "--feed", "A"]));
    ok(rasad(dir.path(), &["poll", "--feed", "A2", "--feed", "B"]));
    let rows = rows(&ok(rasad(dir.path(), &["export"])));
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let on = |host: &str| {
        rows.iter()
            .find(|r| r["url"].as_str().is_some_and(|u| u.contains(host)))
            .expect("row")
    };
    let (ra, rb) = (on("127.0.0.2"), on("127.0.0.3"));
    assert_ne!(ra["id"], rb["id"]);
    assert_eq!(ra["story_id"], rb["story_id"]);
    assert_eq!(ra["urls"].as_array().map(Vec::len), Some(2), "{ra:#}");
    assert_eq!(rb["feeds"], serde_json::json!(["B"]));
    assert_eq!(rb["site"], "127.0.0.3");
    let stories = rows_of_stories(dir.path());
    assert_eq!(stories.len(), 1);
    let members = stories[0]["articles"].as_array().expect("articles");
    assert_eq!(members.len(), 2);
    assert!(members
        .iter()
        .all(|m| m["site"].is_string() && m["first_seen"].is_string()));
    assert_eq!(stories[0]["first_feed"], "A");
}

fn rows_of_stories(dir: &std::path::Path) -> Vec<Value> {
    rows(&ok(rasad(dir, &["export", "--stories"])))
}

#[test]
fn another_outlets_feed_cannot_put_words_in_an_outlets_mouth() {
    let dir = tempfile::tempdir().expect("tmp");
    let outlet = TestServer::start("127.0.0.2");
    let aggregator = TestServer::start("127.0.0.3");
    // the outlet's page cannot be read: only feeds speak for the article
    outlet.route("/news/1", Route::status(500));
    let item = |title: &str, desc: &str, author: &str| {
        format!(
            "<item><title>{title}</title><link>{}</link><author>{author}</author>\
<pubDate>Mon, 03 Nov 2025 10:00:00 +0300</pubDate><description>{desc}</description></item>",
            outlet.url("/news/1")
        )
    };
    let wrap =
        |i: String| format!("<rss version=\"2.0\"><channel><title>x</title>{i}</channel></rss>");
    aggregator.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            wrap(item(
                "عنوان مزيف من المجمّع",
                "كلام لم يقله المصدر",
                "someone@aggregator",
            )),
        ),
    );
    outlet.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            wrap(item(
                "انقطاع المياه في الحسكة",
                "نص الخبر من المصدر",
                "news@outlet",
            )),
        ),
    );
    std::fs::write(
        dir.path().join("feeds.toml"),
        config(&[
            ("Outlet", outlet.url("/feed")),
            ("Aggregator", aggregator.url("/feed")),
        ]),
    )
    .expect("config");
    // the aggregator lists it first
    ok(rasad(dir.path(), &["poll", "--feed", "Aggregator"]));
    let first = rows(&ok(rasad(dir.path(), &["export"])));
    assert_eq!(first[0]["title_source"], "first_sighting");
    ok(rasad(dir.path(), &["poll", "--feed", "Outlet"]));
    let rows = rows(&ok(rasad(dir.path(), &["export"])));
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["title"], "انقطاع المياه في الحسكة");
    assert_eq!(r["summary"], "نص الخبر من المصدر");
    assert_eq!(r["text"], "نص الخبر من المصدر");
    assert_eq!(r["author"], "news@outlet");
    assert_eq!(r["title_source"], "site_feed");
    assert_eq!(r["feed"], "Outlet");
    let sightings = r["sightings"].as_array().expect("sightings");
    assert_eq!(sightings.len(), 2);
    let titles: Vec<&str> = sightings
        .iter()
        .filter_map(|s| s["title"].as_str())
        .collect();
    assert_eq!(titles, ["عنوان مزيف من المجمّع", "انقطاع المياه في الحسكة"]);
    assert_eq!(sightings[0]["feed"], "Aggregator");
    assert_eq!(sightings[0]["outlet"], "127.0.0.3");
    assert!(sightings
        .iter()
        .all(|s| s["first_seen"].is_string() && s["last_seen"].is_string()));
    let stories = rows_of_stories(dir.path());
    assert_eq!(stories[0]["first_feed"], "Outlet");
}

#[test]
fn items_without_link_guid_or_text_never_merge_across_feeds() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    let empty = "<rss version=\"2.0\"><channel><title>x</title><item></item></channel></rss>";
    for k in 0..3 {
        s.route(
            &format!("/feed{k}"),
            Route::ok("application/rss+xml", empty),
        );
    }
    std::fs::write(
        dir.path().join("feeds.toml"),
        config(&[
            ("F0", s.url("/feed0")),
            ("F1", s.url("/feed1")),
            ("F2", s.url("/feed2")),
        ]),
    )
    .expect("config");
    ok(rasad(dir.path(), &["poll"]));
    ok(rasad(dir.path(), &["poll"]));
    let rows = rows(&ok(rasad(dir.path(), &["export"])));
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let mut feeds: Vec<&str> = rows.iter().filter_map(|r| r["feed"].as_str()).collect();
    feeds.sort_unstable();
    assert_eq!(feeds, ["F0", "F1", "F2"]);
}
