//! Unit tests of the store on real SQLite files.

use super::*;

fn feed(name: &str) -> FeedConfig {
    FeedConfig {
        name: name.into(),
        url: url::Url::parse("https://example.org/feed").expect("url"),
        lang: Some("ar".into()),
        interval: std::time::Duration::from_secs(60),
        scrape: true,
        rules: Default::default(),
    }
}

fn item(key: &str, guid: Option<&str>, title: &str) -> NewItem {
    NewItem {
        key: key.into(),
        url: Some(key.into()),
        original_url: Some(format!("{key}?utm_source=x")),
        guid: guid.map(str::to_string),
        title: Some(title.into()),
        author: None,
        published: None,
        lang: Some("ar".into()),
        summary: "ملخص الخبر".into(),
        scrape: true,
        site: url::Url::parse(key)
            .ok()
            .as_ref()
            .and_then(crate::dedup::site_of),
    }
}

/// Every article, in export order.
fn all(store: &Store) -> Vec<ArticleRow> {
    let mut rows = Vec::new();
    store
        .for_each_article(&Filter::default(), |r| {
            rows.push(r);
            Ok(())
        })
        .expect("export");
    rows
}

fn job(id: i64, key: &str) -> PageJob {
    PageJob {
        article_id: id,
        key: key.into(),
        url: key.into(),
    }
}

/// `keys` ingested as items of one feed (titled `title`): their ids.
fn ingested(store: &Store, keys: &[&str], title: &str, now: DateTime<Utc>) -> Vec<i64> {
    let ids = store.sync_feeds(&[feed("a")], now).expect("sync");
    let items: Vec<NewItem> = keys.iter().map(|k| item(k, None, title)).collect();
    store
        .ingest(ids["a"], &items, now)
        .expect("ingest")
        .iter()
        .map(|d| d.article_id)
        .collect()
}

/// A page read with only its text and title.
fn text_read(text: &str, title: &str) -> PageResult {
    PageResult::Ok {
        digest: None,
        evidence: None,
        text: text.into(),
        html: String::new(),
        title: Some(title.into()),
        author: None,
        published: None,
        lang: None,
    }
}

/// A text's fingerprint and band keys, as a page save takes them.
fn fingerprint(text: &str) -> (crate::dedup::Fingerprint, Vec<i64>) {
    let fp = crate::dedup::Fingerprint::new(text);
    let bands = fp.band_keys();
    (fp, bands)
}

#[test]
fn items_are_stored_once_with_sightings() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let ids = store
        .sync_feeds(&[feed("a"), feed("b")], now)
        .expect("sync");
    let a = ids["a"];
    let b = ids["b"];
    let first = store
        .ingest(a, &[item("https://x.org/1", Some("g1"), "الحسكة")], now)
        .expect("ingest");
    assert!(first[0].new);
    // same GUID, different URL in the same feed: same article
    let again = store
        .ingest(
            a,
            &[item("https://x.org/1-changed", Some("g1"), "الحسكة")],
            now,
        )
        .expect("ingest");
    assert_eq!(again[0].article_id, first[0].article_id);
    assert!(!again[0].new);
    // same URL from another feed: same article, second feed recorded
    let other = store
        .ingest(b, &[item("https://x.org/1", None, "الحسكة — نسخة")], now)
        .expect("ingest");
    assert_eq!(other[0].article_id, first[0].article_id);
    let rows = all(&store);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].feeds, vec!["a".to_string(), "b".to_string()]);
    // another feed's title is not an edit by the outlet
    assert_eq!(rows[0].title.as_deref(), Some("الحسكة"));
    // the outlet's own edit is
    store
        .ingest(
            a,
            &[item("https://x.org/1", Some("g1"), "الحسكة — تحديث")],
            now,
        )
        .expect("ingest");
    let mut titles = Vec::new();
    store
        .for_each_article(&Filter::default(), |r| {
            titles.push(r.title);
            Ok(())
        })
        .expect("export");
    assert_eq!(titles, vec![Some("الحسكة — تحديث".to_string())]);
    assert_eq!(rows[0].extraction, Extraction::Pending);
    assert_eq!(rows[0].urls.len(), 3, "{:?}", rows[0].urls);
}

#[test]
fn exact_repeat_merge_keeps_every_sighting() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let ids = store
        .sync_feeds(&[feed("a"), feed("b")], now)
        .expect("sync");
    let first = store
        .ingest(ids["a"], &[item("https://x.org/1", None, "الحسكة")], now)
        .expect("ingest")[0]
        .article_id;
    let second = store
        .ingest(ids["b"], &[item("https://x.org/copy", None, "الحسكة")], now)
        .expect("ingest")[0]
        .article_id;
    // the same text on another site: a copy, never merged
    let third = store
        .ingest(ids["b"], &[item("https://y.org/copy", None, "الحسكة")], now)
        .expect("ingest")[0]
        .article_id;
    let body = "نص كامل للخبر ".repeat(30);
    let ok = |text: &str| PageResult::Ok {
        digest: None,
        evidence: None,
        text: text.into(),
        html: String::new(),
        title: None,
        author: None,
        published: None,
        lang: None,
    };
    for (id, key) in [
        (first, "https://x.org/1"),
        (second, "https://x.org/copy"),
        (third, "https://y.org/copy"),
    ] {
        assert!(store
            .save_extraction(&job(id, key), &ok(&body), now, None)
            .expect("save"));
    }
    // the older article survives whichever page was saved last
    assert_eq!(
        store
            .merge_exact_repeat(first, MIN_BODY_MERGE_CHARS)
            .expect("merge"),
        Some(first)
    );
    assert_eq!(
        store
            .merge_exact_repeat(second, MIN_BODY_MERGE_CHARS)
            .expect("merge"),
        None,
        "merged away"
    );
    assert_eq!(
        store
            .merge_exact_repeat(third, MIN_BODY_MERGE_CHARS)
            .expect("merge"),
        Some(third),
        "another site's copy stays its own"
    );
    // a job handed out before the merge finds its article gone
    assert!(!store
        .save_extraction(&job(second, "https://x.org/copy"), &ok(&body), now, None)
        .expect("save"));
    let rows = all(&store);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].feeds, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(rows[0].urls.len(), 3, "{:?}", rows[0].urls);
    assert_eq!(rows[1].id, third);
    // the merged URL is found again on the next poll
    let again = store
        .ingest(ids["b"], &[item("https://x.org/copy", None, "الحسكة")], now)
        .expect("ingest");
    assert_eq!(again[0].article_id, first);
    assert!(!again[0].new);
}

#[test]
fn article_ids_are_never_reused() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let id = store.sync_feeds(&[feed("a")], now).expect("sync")["a"];
    let body = "نص كامل للخبر ".repeat(30);
    let ok = PageResult::Ok {
        digest: None,
        evidence: None,
        text: body.clone(),
        html: String::new(),
        title: None,
        author: None,
        published: None,
        lang: None,
    };
    let first = store
        .ingest(id, &[item("https://x.org/1", None, "t")], now)
        .expect("ingest")[0]
        .article_id;
    let newest = store
        .ingest(id, &[item("https://x.org/2", None, "t")], now)
        .expect("ingest")[0]
        .article_id;
    // the newest article (the highest id) is merged away and deleted
    for (a, key) in [(first, "https://x.org/1"), (newest, "https://x.org/2")] {
        store
            .save_extraction(&job(a, key), &ok, now, None)
            .expect("save");
    }
    assert_eq!(
        store
            .merge_exact_repeat(newest, MIN_BODY_MERGE_CHARS)
            .expect("merge"),
        Some(first)
    );
    let next = store
        .ingest(id, &[item("https://x.org/3", None, "t")], now)
        .expect("ingest")[0]
        .article_id;
    assert!(
        next > newest,
        "id {next} reused (the deleted one was {newest})"
    );
    // a job for the deleted article writes nothing, and names no other
    assert!(!store
        .save_extraction(&job(newest, "https://x.org/2"), &ok, now, None)
        .expect("save"));
}

#[test]
fn failed_extraction_keeps_feed_text_and_is_retried_later() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let id = store.sync_feeds(&[feed("a")], now).expect("sync")["a"];
    let art = store
        .ingest(id, &[item("https://x.org/1", None, "t")], now)
        .expect("ingest")[0]
        .article_id;
    assert_eq!(store.page_jobs(id, now, 10, false).expect("jobs").len(), 1);
    store
        .save_extraction(
            &job(art, "https://x.org/1"),
            &PageResult::Failed {
                error: "HTTP 500".into(),
            },
            now,
            None,
        )
        .expect("save");
    assert!(store
        .page_jobs(id, now, 10, false)
        .expect("jobs")
        .is_empty());
    let later = now + chrono::Duration::hours(1);
    assert_eq!(
        store.page_jobs(id, later, 10, false).expect("jobs").len(),
        1
    );
    let rows = all(&store);
    assert_eq!(rows[0].text, "ملخص الخبر");
    assert_eq!(rows[0].text_source, TextSource::Feed);
    assert_eq!(rows[0].extraction, Extraction::Failed);
}

fn page_read(title: &str, text: &str, body: &[u8], at: DateTime<Utc>) -> PageResult {
    PageResult::Ok {
        digest: None,
        evidence: Some(Box::new(Evidence {
            body: body.to_vec(),
            url: "https://x.org/1".into(),
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            fetched_at: at,
            sealed: None,
        })),
        text: text.into(),
        html: String::new(),
        title: Some(title.into()),
        author: None,
        published: None,
        lang: None,
    }
}

#[test]
fn a_version_only_when_the_normalized_text_changes() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let feed_id = store.sync_feeds(&[feed("a")], now).expect("sync")["a"];
    let art = store
        .ingest(feed_id, &[item("https://x.org/1", None, "الحسكة")], now)
        .expect("ingest")[0]
        .article_id;
    let j = job(art, "https://x.org/1");
    let readings = [
        ("مقتل ثلاثة", "قتل ثلاثة أشخاص في ريف دير الزور", true),
        // tashkeel, whitespace and the digits' script are no change
        ("مقتلُ ثلاثة", "قُتل  ثلاثة   أشخاص في ريف دير الزور", false),
        ("مقتل 3", "قتل 3 أشخاص", true),
        ("مقتل ٣", "قتل ٣ أشخاص", false),
        // a changed digit is
        ("مقتل ٤", "قتل ٤ أشخاص", true),
    ];
    for (i, (title, text, new)) in readings.iter().enumerate() {
        let body = format!("<html>{i}</html>");
        store
            .save_extraction(&j, &page_read(title, text, body.as_bytes(), now), now, None)
            .expect("save");
        let (versions, _) = store.history(art).expect("history");
        let pages = versions
            .iter()
            .filter(|v| v.source == VersionSource::Page)
            .count();
        let expected = readings[..=i].iter().filter(|r| r.2).count();
        assert_eq!(pages, expected, "reading {i} ({title}): new = {new}");
    }
    let (versions, _) = store.history(art).expect("history");
    assert_eq!(
        versions[0].source,
        VersionSource::Feed,
        "the feed's text first"
    );
    assert_eq!(all(&store)[0].status, ArticleStatus::Changed);
    // each page version with its raw body, as received
    let raw = store
        .raw_body(versions[1].raw_id.expect("raw"))
        .expect("read")
        .expect("kept");
    assert_eq!(raw.body.as_deref(), Some(&b"<html>0</html>"[..]));
    assert_eq!(raw.sha256, sha256_hex(b"<html>0</html>"));
    assert_eq!(raw.status, 200);
}

#[test]
fn the_raw_budget_prunes_the_oldest_bodies_and_keeps_their_hashes() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let start = Utc::now();
    let feed_id = store.sync_feeds(&[feed("a")], start).expect("sync")["a"];
    let mut ids = Vec::new();
    for n in 0..4i64 {
        let key = format!("https://x.org/{n}");
        let art = store
            .ingest(feed_id, &[item(&key, None, "t")], start)
            .expect("ingest")[0]
            .article_id;
        // incompressible bodies of 10 KB, fetched a minute apart
        let mut rng = 0x9e37_79b9_u32.wrapping_add(n as u32);
        let body: Vec<u8> = (0..10_000)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 17;
                rng ^= rng << 5;
                rng as u8
            })
            .collect();
        let at = start + chrono::Duration::minutes(n);
        store
            .save_extraction(
                &job(art, &key),
                &page_read("t", &format!("نص {n}"), &body, at),
                at,
                None,
            )
            .expect("save");
        ids.push((art, sha256_hex(&body)));
    }
    assert_eq!(store.prune_raw(25_000).expect("prune"), 2);
    for (i, (art, sha)) in ids.iter().enumerate() {
        let (versions, _) = store.history(*art).expect("history");
        let raw_id = versions.iter().find_map(|v| v.raw_id).expect("raw id");
        let raw = store.raw_body(raw_id).expect("read").expect("record");
        assert_eq!(&raw.sha256, sha, "the hash stays");
        assert_eq!(raw.body.is_some(), i >= 2, "the two oldest are pruned");
    }
    assert_eq!(store.prune_raw(25_000).expect("prune"), 0);
}

#[test]
fn a_watch_fires_once_per_article_and_an_outlet_joining_is_an_update() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let feed_id = store.sync_feeds(&[feed("a")], now).expect("sync")["a"];
    let watch = crate::config::WatchConfig {
        name: "kobani".into(),
        kind: crate::config::WatchKind::Articles,
        query: None,
        places: vec!["kobani".into()],
        feeds: Vec::new(),
        lang: Vec::new(),
        webhook: Some(url::Url::parse("http://127.0.0.1:9/hook").expect("url")),
        secret: None,
        ntfy: None,
        digest: None,
    };
    let mut rows = Vec::new();
    for key in ["https://x.org/1", "https://y.org/1", "https://x.org/2"] {
        let id = store
            .ingest(feed_id, &[item(key, None, "كوباني")], now)
            .expect("ingest")[0]
            .article_id;
        let mut a = store.article(id).expect("read").expect("article");
        a.story_id = rows.first().map_or(a.id, |r: &ArticleRow| r.id); // one story
        rows.push(a);
    }
    let event = |a: &ArticleRow| store.record_match(&watch, a, None, now).expect("match");
    assert_eq!(event(&rows[0]), Some("article"));
    assert_eq!(
        event(&rows[1]),
        Some("story_update"),
        "another outlet joins"
    );
    assert_eq!(event(&rows[1]), None, "once per article and watch");
    assert_eq!(
        event(&rows[2]),
        Some("article"),
        "the first outlet's next article"
    );
    let due = store.due_deliveries(now, 10).expect("due");
    assert_eq!(due.len(), 3);
    store.delivered(&[due[0].id], now).expect("ack");
    assert_eq!(
        store.due_deliveries(now, 10).expect("due").len(),
        2,
        "acknowledged: never again"
    );
    store
        .delivery_failed(
            &[due[1].id],
            "HTTP 503",
            now + chrono::Duration::seconds(60),
        )
        .expect("fail");
    assert_eq!(
        store.due_deliveries(now, 10).expect("due").len(),
        1,
        "retried later"
    );
    let stats = store.watch_stats().expect("stats");
    assert_eq!(
        (stats[0].matches, stats[0].delivered, stats[0].pending),
        (3, 1, 2)
    );
    assert_eq!(stats[0].last_error.as_deref(), Some("HTTP 503"));
}

#[test]
fn pages_saved_in_one_batch_settle_as_if_saved_one_by_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let keys = [
        "https://x.org/1",
        "https://x.org/repeat",
        "https://y.org/copy",
        "https://x.org/other",
    ];
    let id = ingested(&store, &keys, "القامشلي", now);
    let story = "قالت مصادر محلية في القامشلي إن 12 شخصا أصيبوا في قصف على قرية قرب الحدود صباح اليوم.
وأضافت المصادر أن فرق الإسعاف نقلت المصابين إلى مستشفى المدينة وسط انقطاع الكهرباء عن الأحياء الشرقية.
وطالب الأهالي الإدارة المحلية بفتح طريق آمن للمدنيين وتأمين الوقود للمولدات قبل حلول فصل الشتاء القارس.";
    let other = "Kobani residents queued for bread for a third day as fuel prices rose sharply this week.
The local council promised deliveries of flour and diesel before the first snow arrived in the villages.
Aid groups said the displaced families in the camps near the river needed blankets and heaters urgently.";
    let page = |i: usize, text: &str, ring: bool| PageSave {
        job: job(id[i], keys[i]),
        result: text_read(text, "القامشلي"),
        first_check: None,
        fp: Some(fingerprint(text)),
        ring: ring.then(|| {
            let change: RingChange = Box::new(|old: Option<Vec<u8>>| {
                let mut r = old.unwrap_or_default();
                r.push(7);
                Some(r)
            });
            ("x.org".to_string(), change)
        }),
    };
    let copy = format!("{story} نقلا عن مصادر");
    let batch = [
        page(0, story, true),
        page(1, story, true),
        page(2, &copy, false),
        page(3, other, false),
        // a job for an article merged away earlier in this very batch
        page(1, story, false),
    ];
    let saved: Vec<(bool, Option<Vec<u8>>)> = store
        .save_pages(&batch, now)
        .into_iter()
        .map(|r| r.expect("saved"))
        .collect();
    assert_eq!(saved[0], (true, Some(vec![7])));
    assert_eq!(
        saved[1],
        (true, Some(vec![7, 7])),
        "the ring grew within the batch"
    );
    assert!(saved[2].0 && saved[3].0);
    assert!(!saved[4].0, "the merged article's job finds it gone");
    let rows = all(&store);
    let by_id = |i: i64| rows.iter().find(|r| r.id == i);
    assert!(by_id(id[1]).is_none(), "the same site's repeat merged");
    let kept = by_id(id[0]).expect("kept");
    assert!(
        kept.urls.iter().any(|u| u.contains("/repeat")),
        "{:?}",
        kept.urls
    );
    let copy_row = by_id(id[2]).expect("another site's copy stays its own");
    assert_eq!(copy_row.story_id, id[0], "and joins the story");
    assert_eq!(by_id(id[3]).expect("other").story_id, id[3]);
}

#[test]
fn band_keys_wait_then_move_in_bulk_and_link_the_same_either_way() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("r.db")).expect("open");
    let now = Utc::now();
    let keys = [
        "https://x.org/1",
        "https://x.org/repeat",
        "https://y.org/copy",
        "https://z.org/late",
    ];
    let id = ingested(&store, &keys, "الحسكة", now);
    let story = "أفادت مصادر محلية في الحسكة بأن محطة علوك لضخ المياه توقفت عن العمل للمرة الثالثة هذا الشهر.
وقال سكان من حي غويران إنهم يشترون المياه من الصهاريج بأسعار مرتفعة منذ أكثر من أسبوعين متتاليين.
وطالبت الإدارة المحلية المنظمات الإنسانية بالتدخل العاجل لتأمين مياه الشرب لأكثر من مليون نسمة.";
    let save = |i: usize, text: &str| {
        let page = PageSave {
            job: job(id[i], keys[i]),
            result: text_read(text, "الحسكة"),
            first_check: None,
            fp: Some(fingerprint(text)),
            ring: None,
        };
        assert!(store.save_page(&page, now).expect("saved").0);
    };
    let count = |table: &str, article: i64| -> i64 {
        store
            .with(|c| {
                c.query_row(
                    &format!("SELECT count(*) FROM {table} WHERE article_id = ?1"),
                    [article],
                    |r| r.get(0),
                )
            })
            .expect("count")
    };
    let settle = || {
        store
            .with(|c| stories::settle_bands_in(c, 1))
            .expect("settle")
    };
    let distinct = {
        let mut k = fingerprint(story).1;
        k.sort_unstable();
        k.dedup();
        k.len() as i64
    };
    assert!(distinct > 8, "a text of three lines has its bands");

    // the newer URL's page read first: its keys wait, then move
    save(1, story);
    assert_eq!(count("story_bands_new", id[1]), distinct);
    assert_eq!(count("story_bands", id[1]), 0);
    assert_eq!(settle(), distinct as usize);
    assert_eq!(count("story_bands_new", id[1]), 0);
    assert_eq!(count("story_bands", id[1]), distinct);
    assert_eq!(settle(), 0, "nothing left waiting");

    // the older URL of the same site: the repeat merges into it, and its
    // moved keys go with it; the survivor's own keys wait
    save(0, story);
    let rows = all(&store);
    assert!(rows.iter().all(|r| r.id != id[1]), "merged away");
    assert_eq!(
        count("story_bands", id[1]) + count("story_bands_new", id[1]),
        0
    );
    assert_eq!(count("story_bands_new", id[0]), distinct);

    // another site's copy finds the story through waiting keys, a third
    // site's through moved ones
    save(2, &format!("{story} نقلا عن مصادر محلية"));
    let waiting = count("story_bands_new", id[0]) + count("story_bands_new", id[2]);
    assert_eq!(settle(), waiting as usize);
    save(3, &format!("{story} وفق ناشطين"));
    let rows = all(&store);
    let story_of = |i: i64| rows.iter().find(|r| r.id == i).expect("row").story_id;
    assert_eq!(story_of(id[2]), id[0]);
    assert_eq!(story_of(id[3]), id[0]);
    // a move that fails (here a trigger standing for a full disk) is
    // rolled back alone: what its transaction wrote besides stays, and the
    // keys go on waiting for the next move
    let waiting = count("story_bands_new", id[3]);
    assert!(waiting > 0);
    store
        .with(|c| {
            c.execute_batch(
                "CREATE TEMP TRIGGER no_move BEFORE INSERT ON main.story_bands
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END;",
            )?;
            let tx = c.unchecked_transaction()?;
            tx.execute("UPDATE articles SET title = 'بعد' WHERE id = ?1", [id[3]])?;
            stories::settle_bands(&tx, 1);
            tx.commit()?;
            c.execute_batch("DROP TRIGGER no_move")
        })
        .expect("a failed move fails nothing else");
    let title = store.article(id[3]).expect("read").expect("row").title;
    assert_eq!(title.as_deref(), Some("بعد"));
    assert_eq!(count("story_bands_new", id[3]), waiting);
    assert_eq!(count("story_bands", id[3]), 0);
    assert_eq!(settle(), waiting as usize);
    // many keys move in several chunks, every one of them once
    let many = 3 * stories::MOVE_CHUNK + 7;
    let before = count("story_bands", id[0]);
    store
        .with(|c| {
            let mut ins =
                c.prepare("INSERT INTO story_bands_new (key, article_id) VALUES (?1, ?2)")?;
            for i in 0..many {
                // spread over the key space, in no order
                ins.execute(rusqlite::params![
                    i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64),
                    id[0]
                ])?;
            }
            Ok(())
        })
        .expect("keys");
    assert_eq!(settle(), many as usize);
    assert_eq!(count("story_bands_new", id[0]), 0);
    assert_eq!(count("story_bands", id[0]), before + many);
    let broken: i64 = store
        .with(|c| {
            c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
        })
        .expect("check");
    assert_eq!(broken, 0);
}
