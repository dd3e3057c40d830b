//! The commands around the store: export (CSV, Atom, OPML), search,
//! check-config, extract, import-opml and bad arguments.

use super::*;

#[test]
fn export_csv_and_filters() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll"]));
    let csv = ok(rasad(
        w.dir.path(),
        &["export", "--format", "csv", "--feed", "Hawar"],
    ));
    let mut lines = csv.split("\r\n");
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("id,story_id,url,urls,feed,feeds,outlet,title"),
        "{header}"
    );
    assert_eq!(csv.matches("Hawar").count(), 4, "{csv}"); // feed, feeds for two rows
    let out_file = w.dir.path().join("out.jsonl");
    ok(rasad(
        w.dir.path(),
        &[
            "export",
            "--until",
            "2000-01-01",
            "-o",
            out_file.to_str().expect("path"),
        ],
    ));
    assert_eq!(std::fs::read_to_string(&out_file).expect("file"), "");
    let all = ok(rasad(
        w.dir.path(),
        &[
            "export",
            "--since",
            "2025-11-03T11:00:00Z",
            "--feed",
            "Hawar",
        ],
    ));
    assert_eq!(all.lines().count(), 1, "{all}");
}

#[test]
fn check_config_reports_bad_key_with_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("feeds.toml");
    std::fs::write(
        &path,
        "[defaults]\ninterval = \"15m\"\n\n[[feed]]\nname = \"نورث برس\"\nurl = \"https://npasyria.com/feed/\"\nlnag = \"ar\"\n",
    )
    .expect("write");
    let o = rasad(dir.path(), &["check-config"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("feeds.toml:7"), "{err}");
    assert!(err.contains("lnag"), "{err}");
    assert!(err.contains("did you mean `lang`"), "{err}");

    // an unknown key is one problem among the others, all listed at once
    std::fs::write(
        &path,
        "[defaults]\nlangg = \"ar\"\n[fetch]\ntimeout = \"soon\"\n[[feed]]\nname = \"a\"\nurl = \"https://a.org/\"\narticle_selector = \"div[[[\"\n",
    )
    .expect("write");
    let o = rasad(dir.path(), &["check-config"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("feeds.toml:2: key `defaults.langg`"), "{err}");
    assert!(err.contains("feeds.toml:4: key `fetch.timeout`"), "{err}");
    assert!(
        err.contains("feeds.toml:8: key `feed[1].article_selector`"),
        "{err}"
    );
    assert!(!err.contains("report this to the developer"), "{err}");

    std::fs::write(
        &path,
        "[[feed]]\nname = \"a\"\nurl = \"https://a.org/\"\ninterval = \"soon\"\n[[feed]]\nname = \"a\"\nurl = \"::\"\n",
    )
    .expect("write");
    let o = rasad(dir.path(), &["check-config"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains("feeds.toml:4: key `feed[1].interval`"),
        "{err}"
    );
    assert!(err.contains("feeds.toml:6: key `feed[2].name`"), "{err}");
    assert!(err.contains("feeds.toml:7: key `feed[2].url`"), "{err}");

    // poll refuses to start on an invalid file, naming it
    let o = rasad(dir.path(), &["poll"]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("feeds.toml:4"));
}

#[test]
fn shipped_config_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = ok(rasad(root, &["check-config", "-c", "feeds.toml"]));
    assert!(out.contains("ok"), "{out}");
    // every feed shipped enabled says how sure we are of it
    let shipped = std::fs::read_to_string(root.join("feeds.toml")).expect("feeds.toml");
    for line in shipped.lines().filter(|l| l.starts_with("[[feed]]")) {
        assert!(
            ["LIVE", "CORROBORATED", "LISTED"]
                .iter()
                .any(|m| line.contains(&format!("# {m}"))),
            "an enabled feed without its evidence: {line}"
        );
    }
}

#[test]
fn extract_out_dir_writes_one_file_per_input() {
    let dir = tempfile::tempdir().expect("tmp");
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).expect("mkdir");
    std::fs::write(
        pages.join("ar.html"),
        cp1256(&page("محطة علوك", &[P3, P1], Some("windows-1256"))),
    )
    .expect("write");
    std::fs::write(pages.join("en.html"), page("Bread", &[EN1, EN2], None)).expect("write");
    std::fs::write(
        pages.join("empty.html"),
        "<html><body><nav>x</nav></body></html>",
    )
    .expect("write");
    let o = rasad(
        dir.path(),
        &[
            "extract",
            "--out-dir",
            "out",
            "pages/ar.html",
            "pages/en.html",
            "pages/empty.html",
        ],
    );
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(
        text(&o).1.contains("empty.html"),
        "the page without a body is named"
    );
    let read =
        |n: &str| std::fs::read_to_string(dir.path().join("out").join(n)).expect("output file");
    assert_eq!(read("ar.txt"), format!("{P3}\n{P1}"));
    assert_eq!(read("en.txt"), format!("{EN1}\n{EN2}"));
    assert_eq!(read("empty.txt"), "");
    let json = ok(rasad(dir.path(), &["extract", "--json", "pages/ar.html"]));
    let v: Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["encoding"], "windows-1256");
    assert_eq!(v["title"], "محطة علوك");
}

#[test]
fn search_places_and_filters() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll"]));
    // a bare word finds its prefixed and diacritized forms: P3 says «وفي مدينة الحسكة»
    let out = ok(rasad(w.dir.path(), &["search", "حسكة"]));
    assert!(out.contains("محطة علوك متوقفة"), "{out}");
    assert!(out.contains("[الحسكة"), "the match is highlighted: {out}");
    let json = ok(rasad(
        w.dir.path(),
        &["search", "--json", "\"ريف دير الزور\""],
    ));
    let hits: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(!hits.is_empty());
    for h in &hits {
        assert!(h["score"].as_f64().is_some_and(|s| s > 0.0), "{h}");
        assert!(
            h["snippet"].as_str().is_some_and(|s| s.contains('[')),
            "{h}"
        );
    }
    let none = ok(rasad(w.dir.path(), &["search", "حسكة NOT علوك"]));
    assert!(!none.contains("محطة علوك"), "{none}");
    // places under any of their names
    let by_kurdish = ok(rasad(w.dir.path(), &["export", "--place", "Hesekê"]));
    let by_arabic = ok(rasad(w.dir.path(), &["export", "--place", "الحسكة"]));
    assert_eq!(by_kurdish, by_arabic);
    assert!(by_kurdish.contains("Al-Hasakah"), "{by_kurdish}");
    let o = rasad(w.dir.path(), &["export", "--place", "Atlantis"]);
    assert!(!o.status.success() && text(&o).1.contains("unknown place"));
    // language and query filters
    let en = ok(rasad(
        w.dir.path(),
        &["export", "--lang", "ar", "--query", "Qamishli"],
    ));
    assert_eq!(en.lines().count(), 0, "{en}");
    let q = ok(rasad(w.dir.path(), &["export", "--query", "Qamishli"]));
    assert!(q.lines().count() >= 1);
    // CSV for Excel starts with the BOM
    let o = rasad(w.dir.path(), &["export", "--format", "csv", "--excel"]);
    assert!(o.stdout.starts_with("\u{feff}id,story_id".as_bytes()));
}

#[test]
fn atom_export_round_trips_through_a_feed_parser() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll"]));
    let rows = w.export();
    let atom = ok(rasad(w.dir.path(), &["export", "--format", "atom"]));
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("valid Atom");
    assert_eq!(feed.entries.len(), rows.len());
    for (entry, row) in feed.entries.iter().zip(&rows) {
        assert_eq!(entry.id, format!("urn:rasad:article:{}", row["id"]));
        assert_eq!(
            entry.title.as_ref().map(|t| t.content.as_str()),
            row["title"].as_str()
        );
        assert_eq!(
            entry.links.first().map(|l| l.href.as_str()),
            row["url"].as_str()
        );
        assert!(entry.updated.is_some());
        assert!(!entry.authors.is_empty());
        if let Some(lang) = row["lang"].as_str() {
            // feed-rs does not surface xml:lang on entries: check the document
            let needle = format!(
                "<entry xml:lang=\"{lang}\">\n<id>urn:rasad:article:{}</id>",
                row["id"]
            );
            assert!(atom.contains(&needle), "{needle}");
        }
        let body = entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        if row["extraction"] == "ok" {
            // the clean body HTML, paragraph per paragraph
            let first = row["text"]
                .as_str()
                .and_then(|t| t.lines().next())
                .expect("text");
            assert!(
                body.contains(&format!("<p dir=\"auto\">{first}</p>")),
                "{body}"
            );
        }
        let cats: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
        let places: Vec<&str> = strs(&row["places"], "places");
        assert_eq!(cats, places);
    }
}

#[test]
fn opml_export_and_import_keep_the_config_readable() {
    let w = world();
    let opml = ok(rasad(w.dir.path(), &["export", "--format", "opml"]));
    assert_eq!(opml.matches("<outline").count(), 6, "{opml}");
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("feeds.toml");
    let original = "# my feeds — تعليق\ndb = \"r.db\"\n\n[[feed]]  # kept\nname = \"North Press\"\nurl = \"https://npasyria.com/feed/\"\nlang = \"ar\"\n";
    std::fs::write(&cfg, original).expect("config");
    let import = "<?xml version=\"1.0\"?><opml version=\"2.0\"><body>\
<outline text=\"Kurdistan24\" type=\"rss\" xmlUrl=\"https://www.kurdistan24.net/en/rss.xml\" language=\"en\"/>\
<outline text=\"Again\" xmlUrl=\"https://npasyria.com/feed/\"/>\
<outline text=\"Group\"><outline title=\"روداو\" xmlUrl=\"https://www.rudaw.net/arabic/rss\"/></outline>\
<outline text=\"bad\" xmlUrl=\"javascript:alert(1)\"/></body></opml>";
    std::fs::write(dir.path().join("in.opml"), import).expect("opml");
    let out = ok(rasad(dir.path(), &["import-opml", "in.opml"]));
    assert!(out.contains("2 feeds added, 2 skipped"), "{out}");
    let after = std::fs::read_to_string(&cfg).expect("config");
    assert!(
        after.starts_with(original),
        "comments and order kept:\n{after}"
    );
    assert!(after.contains("name = \"روداو\""), "{after}");
    assert!(ok(rasad(dir.path(), &["check-config"])).contains("ok, 3 feeds"));
    // importing again adds nothing
    let again = ok(rasad(dir.path(), &["import-opml", "in.opml"]));
    assert!(again.contains("0 feeds added"), "{again}");
}

#[test]
fn bad_arguments_are_named_and_nothing_is_written() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll", "--feed", "JSON"]));
    let before = std::fs::read(w.dir.path().join("rasad.db")).expect("db");
    for (args, named) in [
        (
            &["export", "--since", "yesterday", "-o", "out.jsonl"][..],
            "yesterday",
        ),
        (
            &["export", "--place", "Atlantis", "-o", "out.jsonl"][..],
            "Atlantis",
        ),
        (
            &["export", "--format", "csv", "--stories", "-o", "out.jsonl"][..],
            "--stories",
        ),
        (&["export", "--format", "xml"][..], "xml"),
        (&["search", "   "][..], "nothing to search"),
        (&["poll", "--feed", "No Such Feed"][..], "No Such Feed"),
        (&["extract", "--url", "not a url", "x.html"][..], "--url"),
        (&["--log-format", "yaml", "feeds"][..], "yaml"),
    ] {
        let o = rasad(w.dir.path(), args);
        assert!(!o.status.success(), "{args:?} must fail");
        let (_, err) = text(&o);
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(
            !w.dir.path().join("out.jsonl").exists(),
            "{args:?} wrote a file"
        );
    }
    assert_eq!(
        std::fs::read(w.dir.path().join("rasad.db")).expect("db"),
        before
    );
}

#[test]
fn try_shows_what_a_feed_or_page_would_give_before_it_is_added() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    s.route(
        "/ar/1",
        Route::ok(
            "text/html; charset=utf-8",
            page("اشتباكات في ذيبان", &[P1, P2, P3], None),
        ),
    );
    s.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            format!(
                "<rss version=\"2.0\"><channel><title>نورث برس</title>{}</channel></rss>",
                rss_item("اشتباكات في ذيبان", &s.url("/ar/1"), "g1", "موجز")
            ),
        ),
    );
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[fetch]\nallow_networks = [\"127.0.0.2/32\"]\n",
    )
    .expect("config");
    // a feed: its items, then what its first pages give
    let out = ok(rasad(dir.path(), &["try", &s.url("/feed")]));
    assert!(out.contains("نورث برس: 1 items"), "{out}");
    assert!(out.contains(&s.url("/ar/1")), "{out}");
    assert!(out.contains("method: scored"), "{out}");
    assert!(out.contains("Dhiban"), "places: {out}");
    // a page: every field, and the whole text
    let json = ok(rasad(dir.path(), &["try", "--json", &s.url("/ar/1")]));
    let v: Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["title"], "اشتباكات في ذيبان");
    assert_eq!(v["lang"], "ar");
    assert_eq!(v["text"], format!("{P1}\n{P2}\n{P3}"));
    assert!(v["places"]
        .as_array()
        .is_some_and(|p| p.iter().any(|x| x == "Al-Hasakah")));
    // nothing is stored, and the address guard still holds
    assert!(!dir.path().join("rasad.db").exists());
    std::fs::write(dir.path().join("feeds.toml"), "").expect("config");
    let o = rasad(dir.path(), &["try", &s.url("/feed")]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("refused"), "{err}");
}
