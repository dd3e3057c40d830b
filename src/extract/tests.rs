//! Golden tests on small pages written for rasad (Arabic, Kurdish, English).

use super::*;

const BODY: &str = "قالت مصادر محلية لنورث برس إن اشتباكات اندلعت مساء الأحد بين قوات سوريا الديمقراطية ومسلحين في ريف دير الزور الشرقي، ما أدى إلى مقتل شخصين.";
const BODY2: &str = "وأضافت المصادر أن القوات استقدمت تعزيزات عسكرية إلى بلدة ذيبان، وفرضت حظراً للتجوال حتى إشعار آخر.";

fn page() -> String {
    format!(
        r#"<html lang="ar" dir="rtl"><head><title>x</title><meta property="og:title" content="اشتباكات في ريف دير الزور">
<meta name="author" content="نورث برس"><meta property="article:published_time" content="2025-11-03T10:00:00+03:00"></head>
<body class="post-template-default single single-post has-sidebar tag-news">
<nav><a href="/">الرئيسية</a><a href="/news">أخبار</a></nav>
<div class="main"><article><h1>اشتباكات في ريف دير الزور</h1><div class="entry-meta">3 نوفمبر 2025</div>
<div class="entry-content"><p>{BODY}</p><p>{BODY2}</p>
<div class="sharedaddy">شارك هذا: فيسبوك تويتر</div>
<p>التعليقات مغلقة، ولكن تركبكس وبينغبكس مفتوحة.</p></div>
<div class="related-posts"><p>خبر آخر عن الرقة والحسكة والقامشلي في الشمال السوري اليوم</p></div></article>
<aside id="sidebar"><p>الأكثر قراءة: مقالات كثيرة هنا، وهنا، وهنا، وهنا</p></aside></div>
<div id="comments" class="comments-area"><ol class="comment-list"><li><div class="comment-content"><p>{BODY2} تعليق طويل من قارئ، وفيه فواصل، كثيرة، جداً، جداً.</p></div></li></ol></div>
<footer>جميع الحقوق محفوظة</footer></body></html>"#
    )
}

#[test]
fn wordpress_entry_content_without_boilerplate() {
    let e = extract(&page(), None, &SiteRules::default()).expect("body");
    assert_eq!(e.text, format!("{BODY}\n{BODY2}"));
    assert_eq!(e.title.as_deref(), Some("اشتباكات في ريف دير الزور"));
    assert_eq!(e.author.as_deref(), Some("نورث برس"));
    assert_eq!(e.published.as_deref(), Some("2025-11-03T10:00:00+03:00"));
    assert_eq!(e.lang.as_deref(), Some("ar"));
}

#[test]
fn site_rules_win() {
    let rules = SiteRules {
        article_selector: Some("div.main".into()),
        remove: vec![".entry-meta".into()],
    };
    let e = extract(&page(), None, &rules).expect("body");
    assert_eq!(e.method, "rule");
    assert!(
        e.text.starts_with("اشتباكات في ريف دير الزور\n"),
        "{}",
        e.text
    );
    assert!(e.text.contains(BODY2));
    assert!(!e.text.contains("3 نوفمبر"));
    assert!(!e.text.contains("خبر آخر"), "hint-marked blocks still go");
}

#[test]
fn scoring_without_known_containers_and_long_comments() {
    let comment = format!("<li><p>{BODY2} تعليق، تعليق، تعليق.</p></li>");
    let html = format!(
        "<body><div id=a><a href=/x>one</a> <a href=/y>two</a></div><div id=b><p>{BODY}</p><p>{BODY2}</p></div><div class=comments><ol>{}</ol></div></body>",
        comment.repeat(20)
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.method, "scored");
    assert_eq!(e.text, format!("{BODY}\n{BODY2}"));
}

#[test]
fn div_paragraphs_with_line_breaks() {
    let html = format!(
        "<body><div class=menu><a href=/>Home</a></div><div class=view>{BODY}<br><br>{BODY2}<br></div></body>"
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.text, format!("{BODY}\n{BODY2}"));
}

#[test]
fn kurdish_and_english_pages() {
    let ku = "Li Kobanê û Serêkaniyê, malbatên koçber dibêjin ku alîkariya mirovî ya ku gihîştiye kampan têrê nake û zivistan nêzîk dibe.";
    let en = "Residents of Qamishli said on Sunday that prices of bread and fuel had risen sharply after the closure of the Semalka crossing.";
    for text in [ku, en] {
        let html = format!(
            "<html><body><header><ul><li><a href=/>Nûçe</a></li><li><a href=/>Rojava</a></li></ul></header><main><div class=post-body><p>{text}</p><p>{text}</p><ul class=tags><li><a href=/t>Kobanê</a></li></ul><p>Herwiha bixwînin: <a href=/x>nûçeyek din</a></p></div></main></body></html>"
        );
        let e = extract(&html, None, &SiteRules::default()).expect("body");
        assert_eq!(e.text, format!("{text}\n{text}"));
    }
}

#[test]
fn json_ld_body_when_the_dom_has_little() {
    let long = format!("{BODY} {BODY2} ").repeat(4);
    let html = format!(
        r#"<html><head><script type="application/ld+json">{{"@context":"https://schema.org","@graph":[{{"@type":"NewsArticle","headline":"h","articleBody":{},"author":{{"name":"Rudaw"}}}}]}}</script></head><body><div class=story><p>{BODY}</p></div></body></html>"#,
        serde_json::to_string(&long).expect("json")
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.method, "json-ld");
    assert_eq!(e.text, long.trim());
    assert_eq!(e.author.as_deref(), Some("Rudaw"));
}

#[test]
fn empty_page_has_no_body() {
    assert_eq!(
        extract(
            "<html><body><nav>x</nav></body></html>",
            None,
            &SiteRules::default()
        ),
        Err(ExtractError::NoBody)
    );
    assert_eq!(
        extract("", None, &SiteRules::default()),
        Err(ExtractError::NoBody)
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let html = format!("{}<p>{BODY}</p>", "<div>".repeat(100_000));
    let e = extract(&html, None, &SiteRules::default());
    assert!(e.is_ok() || e == Err(ExtractError::NoBody));
}

#[test]
fn fragments() {
    assert_eq!(
        fragment_text("<p>Hesekê &amp; Qamişlo</p><p>Kobanî</p>"),
        "Hesekê & Qamişlo\nKobanî"
    );
    assert_eq!(fragment_text("  plain   text "), "plain text");
    assert_eq!(fragment_text("a<script>x()</script>b"), "ab");
}
