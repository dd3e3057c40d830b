//! Golden tests on small pages written for rasad (Arabic, Kurdish, English).

use super::naming::strip_site_name;
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
    assert_eq!(e.method, Method::Rule);
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
    assert_eq!(e.method, Method::Scored);
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

/// A NewsArticle JSON-LD object.
fn ld(url: Option<&str>, headline: &str, body: &str, author: &str) -> String {
    let url = url.map(|u| format!(r#""url":"{u}","#)).unwrap_or_default();
    format!(
        r#"{{"@type":"NewsArticle",{url}"headline":"{headline}","articleBody":{},"author":{{"name":"{author}"}},"datePublished":"2025-11-0{}T10:00:00Z"}}"#,
        serde_json::to_string(body).expect("json"),
        author.len() % 9 + 1
    )
}

const FOREIGN: &str = "Our reviewer spent two weeks with the new laptop. The keyboard is excellent, the battery lasts a full working day, and the screen is bright enough for use outdoors in summer.";

#[test]
fn json_ld_body_when_the_dom_has_little() {
    let long = format!("{BODY} {BODY2} ").repeat(4);
    let headline = "اشتباكات في ريف دير الزور الشرقي";
    let html = format!(
        r#"<html><head><script type="application/ld+json">{{"@context":"https://schema.org","@graph":[{}]}}</script></head><body><h1>{headline}</h1><div class=story><p>{BODY}</p></div></body></html>"#,
        ld(None, headline, &long, "Rudaw")
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.method, Method::JsonLd);
    assert_eq!(e.text, long.trim());
    assert_eq!(e.author.as_deref(), Some("Rudaw"));
}

#[test]
fn another_pages_json_ld_lends_this_page_nothing() {
    let foreign = FOREIGN.repeat(6);
    let page_url = Url::parse("https://npasyria.com/2025/11/1").expect("url");
    // a widget's article: other URL, other headline, long body
    let html = format!(
        r#"<html><head><title>اشتباكات في ريف دير الزور</title><script type="application/ld+json">{}</script></head><body><h1>اشتباكات في ريف دير الزور</h1><div class=story><p>{BODY}</p><p>{BODY2}</p></div></body></html>"#,
        ld(
            Some("https://reviews.example/laptop"),
            "A week with the new laptop",
            &foreign,
            "Reviewer"
        )
    );
    let e = extract(&html, Some(&page_url), &SiteRules::default()).expect("body");
    assert_eq!(e.method, Method::Scored);
    assert_eq!(e.text, format!("{BODY}\n{BODY2}"));
    assert_eq!(
        e.author, None,
        "the other article's author is not this page's"
    );
    assert_eq!(e.published, None);
    // the same object without a URL, headline unrelated: still not this page
    let html = html.replace(r#""url":"https://reviews.example/laptop","#, "");
    let e = extract(&html, Some(&page_url), &SiteRules::default()).expect("body");
    assert_eq!(e.text, format!("{BODY}\n{BODY2}"));
}

#[test]
fn of_two_json_ld_articles_the_one_that_is_this_page_counts() {
    let own = format!("{BODY} {BODY2} ").repeat(4);
    let foreign = FOREIGN.repeat(6);
    let page_url = Url::parse("https://npasyria.com/2025/11/1?utm_source=rss").expect("url");
    let html = format!(
        r#"<html><head><title>x</title><script type="application/ld+json">[{},{}]</script></head><body><div class=story><p>{BODY}</p></div></body></html>"#,
        ld(
            Some("https://reviews.example/laptop"),
            "A week with the new laptop",
            &foreign,
            "Reviewer"
        ),
        ld(
            Some("https://www.npasyria.com/2025/11/1/"),
            "عنوان آخر",
            &own,
            "نورث برس"
        ),
    );
    let e = extract(&html, Some(&page_url), &SiteRules::default()).expect("body");
    assert_eq!(e.method, Method::JsonLd);
    assert_eq!(e.text, own.trim());
    assert_eq!(e.author.as_deref(), Some("نورث برس"));
}

#[test]
fn a_structured_body_that_contradicts_the_page_is_not_taken() {
    // the right URL, but a body that is not what the page shows
    let shown = format!("{BODY} {BODY2} {BODY} {BODY2}");
    let foreign = FOREIGN.repeat(8);
    let page_url = Url::parse("https://npasyria.com/2025/11/1").expect("url");
    let html = format!(
        r#"<html><head><script type="application/ld+json">{}</script></head><body><div class=story><p>{shown}</p></div></body></html>"#,
        ld(Some("https://npasyria.com/2025/11/1"), "x", &foreign, "a"),
    );
    let e = extract(&html, Some(&page_url), &SiteRules::default()).expect("body");
    assert_eq!(e.method, Method::Scored);
    assert_eq!(e.text, shown);
}

#[test]
fn site_names_leave_the_title() {
    assert_eq!(
        strip_site_name("اشتباكات في الحسكة - نورث برس", Some("نورث برس")),
        "اشتباكات في الحسكة"
    );
    assert_eq!(
        strip_site_name("Rudaw | Clashes in Hasakah", Some("Rudaw")),
        "Clashes in Hasakah"
    );
    assert_eq!(strip_site_name("Rudaw", Some("Rudaw")), "Rudaw");
    // og:title and <title> both carry the name; the h1 says which part it is
    let html = format!(
        r#"<html><head><meta property="og:title" content="قصف على رأس العين - نورث برس"><title>قصف على رأس العين - نورث برس</title></head><body><h1>قصف على رأس العين</h1><div class="post-meta"><span class="byline">بقلم: سامر الأحمد - ١٢ نوفمبر ٢٠٢٥</span></div><p>{BODY}</p><p>{BODY2}</p></body></html>"#
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.title.as_deref(), Some("قصف على رأس العين"));
    assert_eq!(e.author.as_deref(), Some("سامر الأحمد"));
    // a rel=author link, and a meta author with "By"
    let html = format!(
        r#"<html><head><meta name="author" content="By Jane Arraf"></head><body><p>{BODY}</p><p>{BODY2}</p></body></html>"#
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.author.as_deref(), Some("Jane Arraf"));
    let html = format!(
        r#"<html><body><p>Von <a rel="author" href="/a/r">Rojhat Ahmed</a></p><p>{BODY}</p><p>{BODY2}</p></body></html>"#
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.author.as_deref(), Some("Rojhat Ahmed"));
    let html = format!(
        r#"<html><head><title>اشتباكات في ريف دير الزور | موقع الخبر</title></head><body><h1>اشتباكات في ريف دير الزور</h1><p>{BODY}</p><p>{BODY2}</p></body></html>"#
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.title.as_deref(), Some("اشتباكات في ريف دير الزور"));
}

#[test]
fn empty_page_has_no_body() {
    assert_eq!(
        extract(
            "<html><body><nav>x</nav></body></html>",
            None,
            &SiteRules::default()
        ),
        Err(ExtractError::NoText)
    );
    assert_eq!(
        extract("", None, &SiteRules::default()),
        Err(ExtractError::NoText)
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let html = format!("{}<p>{BODY}</p>", "<div>".repeat(100_000));
    // the text past the nesting cut is still found
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.text, BODY);
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

/// A full Arabic WordPress page as regional outlets serve it: windows-1256,
/// menus, share bar, related posts, sidebar widgets, comments and the comment
/// form, and the WordPress footer line. The body must come out exact.
#[test]
fn arabic_wordpress_page_in_windows_1256() {
    let p1 = "أفادت مصادر محلية في مدينة القامشلي، اليوم الثلاثاء، بأن دورية مشتركة جابت ريف المدينة الشرقي وسط انتشار أمني مكثف.";
    let p2 = "وقال مسؤول في الإدارة الذاتية لـ«نورث بالس» إن «الأوضاع مستقرة»، مشيراً إلى أن حركة المعابر بين سري كانيه/ رأس العين وتل أبيض/ كري سبي لا تزال متوقفة.";
    let p3 =
        "يُذكر أن المنطقة تشهد منذ عام 2019 توتراً متقطعاً، وسط مطالبات بعودة المهجّرين إلى قراهم.";
    let html = format!(
        r##"<!DOCTYPE html><html dir="rtl" lang="ar"><head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">
<title>دورية مشتركة في ريف القامشلي – نورث بالس</title>
<meta property="og:title" content="دورية مشتركة في ريف القامشلي"></head>
<body class="post-template-default single single-post postid-48504 single-format-standard has-sidebar">
<div id="page" class="site"><header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="/">نورث بالس</a></p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu"><li><a href="/">الرئيسية</a></li><li><a href="/c/news">أخبار</a></li><li><a href="/c/reports">تقارير</a></li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-48504" class="post-48504 post type-post status-publish format-standard hentry category-news">
<header class="entry-header"><h1 class="entry-title">دورية مشتركة في ريف القامشلي</h1>
<div class="entry-meta"><span class="posted-on">نُشر في 12 نوفمبر 2025</span><span class="byline"> بواسطة المحرر</span></div></header>
<div class="entry-content"><p>{p1}</p>
<p>{p2}</p>
<p>{p3}</p>
<div class="sharedaddy sd-sharing-enabled"><div class="sd-block sd-social"><h3 class="sd-title">شارك هذا:</h3><ul><li><a href="#">فيسبوك</a></li><li><a href="#">تويتر</a></li><li><a href="#">واتساب</a></li></ul></div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>مرتبط</em></h3>
<div class="jp-relatedposts-items"><p class="jp-relatedposts-post"><a href="/1">اشتباكات في ريف دير الزور الشرقي، ومقتل ثلاثة عناصر من قوات الأمن الداخلي</a></p>
<p class="jp-relatedposts-post"><a href="/2">انقطاع المياه عن مدينة الحسكة بعد توقف محطة علوك للمرة العاشرة</a></p></div></div>
</div>
<footer class="entry-footer"><span class="cat-links">نُشرت في <a href="/c/news">أخبار</a></span><span class="tags-links">الوسوم: <a href="/t/q">القامشلي</a></span></footer>
</article>
<nav class="navigation post-navigation"><a href="/prev" rel="prev">المقال السابق: اجتماع في الرقة</a></nav>
<div id="comments" class="comments-area"><h2 class="comments-title">تعليقان على «دورية مشتركة في ريف القامشلي»</h2>
<ol class="comment-list"><li class="comment"><article class="comment-body"><div class="comment-content"><p>{p2} وهذا تعليق طويل من قارئ، يكرر ما في الخبر، ويزيد عليه تفاصيل كثيرة، وكثيرة جداً، عن القرى والمعابر والطرق.</p></div></article></li>
<li class="comment"><article class="comment-body"><div class="comment-content"><p>{p3} تعليق ثانٍ، طويل أيضاً، فيه فواصل، كثيرة، لأن القارئ غاضب، ومحق.</p></div></article></li></ol>
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">اترك تعليقاً</h3>
<form id="commentform" class="comment-form"><p class="comment-notes">لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *</p>
<p class="comment-form-comment"><label for="comment">التعليق</label><textarea id="comment" name="comment"></textarea></p><p class="form-submit"><input type="submit" value="إرسال التعليق"></p></form></div>
<p class="nocomments">التعليقات مغلقة، ولكن تركبكس وبينغبكس مفتوحة.</p></div>
</main></div>
<aside id="secondary" class="widget-area"><section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">أحدث المقالات</h2>
<ul><li><a href="/a">الإدارة الذاتية تعلن عن خطة لدعم المزارعين في ريف الحسكة الشمالي هذا الموسم</a></li><li><a href="/b">افتتاح مدرسة جديدة في كوباني بعد إعادة ترميمها بالكامل</a></li></ul></section></aside></div>
<footer id="colophon" class="site-footer"><div class="site-info">جميع الحقوق محفوظة © نورث بالس 2025</div></footer></div>
</body></html>"##
    );
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1256.encode(&html);
    assert!(!unmappable);
    let decoded = crate::charset::decode(&bytes, None);
    assert_eq!(decoded.encoding, encoding_rs::WINDOWS_1256);
    let e = extract(&decoded.text, None, &SiteRules::default()).expect("body");
    assert_eq!(e.text, format!("{p1}\n{p2}\n{p3}"));
    assert_eq!(e.title.as_deref(), Some("دورية مشتركة في ريف القامشلي"));
    assert_eq!(e.lang.as_deref(), Some("ar"));
    for leak in [
        "شارك",
        "مرتبط",
        "تعليق",
        "التعليقات مغلقة",
        "أحدث المقالات",
        "الوسوم",
        "جميع الحقوق",
        "بواسطة",
    ] {
        assert!(!e.text.contains(leak), "{leak:?} leaked into the body");
    }
}

#[test]
fn sorani_page() {
    let p = "لە شاری قامیشلۆ، بەرپرسێکی ئیدارەی خۆسەر ڕایگەیاند کە ڕەوشی ئەمنی ئاسایییە و هاتوچۆی سنوور بەردەوامە.";
    let html = format!(
        "<html lang=\"ckb\"><body><div class=\"menu\"><a href=/>سەرەکی</a></div><div class=\"article-body\"><p>{p}</p><p>{p}</p></div><div class=\"related\"><h3>هەروەها بخوێنەوە</h3><p><a href=/x>هەواڵێکی تر لە کۆبانێ و حەسەکە و ڕەققە</a></p></div></body></html>"
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.text, format!("{p}\n{p}"));
    assert_eq!(e.lang.as_deref(), Some("ckb"));
}

#[test]
fn a_page_with_text_never_gives_nothing() {
    // every line of text is a link in a list: the cleaned body is empty,
    // but the page shows text, so its best candidate comes back flagged
    let lines = [
        "قال سكان في القامشلي إن سعر الخبز ارتفع للمرة الثالثة هذا الأسبوع",
        "ويعزو الخبازون ذلك إلى أسعار الطحين والوقود التي لم يعد بوسعهم تحملها",
    ];
    let items: String = lines
        .iter()
        .chain(lines.iter())
        .enumerate()
        .map(|(i, l)| format!("<li><a href=\"/n/{i}\">{l}</a></li>"))
        .collect();
    let html = format!(
        "<html lang=\"ar\"><body><div class=\"content\"><ul>{items}</ul></div></body></html>"
    );
    let e = extract(&html, None, &SiteRules::default()).expect("a body");
    assert_eq!(e.method, Method::Fallback);
    assert!(e.text.starts_with(lines[0]), "{}", e.text);
    // a page without text still fails, and says so
    let empty = "<html><body><div><img src=a.jpg></div></body></html>";
    assert_eq!(
        extract(empty, None, &SiteRules::default()).err(),
        Some(ExtractError::NoText)
    );
}

#[test]
fn what_is_not_a_page_is_named() {
    let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj";
    assert_eq!(
        check_page(Some("application/pdf"), pdf).map_err(|e| e.to_string()),
        Err("not an HTML page: application/pdf".to_string())
    );
    // a server that calls a PDF text/html is not believed
    assert_eq!(
        check_page(Some("text/html; charset=utf-8"), pdf),
        Err(ExtractError::NotHtml("application/pdf".into()))
    );
    assert_eq!(
        check_page(Some("Image/JPEG"), b"\xFF\xD8\xFF\xE0"),
        Err(ExtractError::NotHtml("image/jpeg".into()))
    );
    assert_eq!(
        check_page(None, b"\x89PNG\r\n").map_err(|e| e.to_string()),
        Err("not an HTML page: image/png".into())
    );
    let page = "<html><body><p>قال مصدر محلي في القامشلي إن الأسعار ارتفعت.</p></body></html>";
    assert_eq!(
        check_page(Some("text/html; charset=windows-1256"), page.as_bytes()),
        Ok(())
    );
    assert_eq!(check_page(None, page.as_bytes()), Ok(()));
    assert_eq!(
        extract(
            "<html><body><nav><a href=/>الرئيسية</a></nav></body></html>",
            None,
            &SiteRules::default()
        )
        .map_err(|e| e.to_string()),
        Err("no text in the page".to_string())
    );
}

/// An outlet whose pages carry the same "about us" paragraph inside the
/// article's container, and one old layout whose every page shows the same
/// long block (a station's programme) above the article.
fn outlet_page(i: usize, about: &str, programme: &str) -> String {
    let story = format!(
        "<p>أفاد مراسلنا في القامشلي بأن الخبر رقم {i} يتناول انقطاع المياه عن أحياء المدينة، وأن الأهالي طالبوا بحلول عاجلة.</p>\
         <p>وقال مسؤول في مديرية المياه إن الأعطال في محطة علوك أدت إلى توقف الضخ منذ {i} أيام، وإن الإصلاح قد يستغرق وقتاً.</p>"
    );
    format!(
        r#"<html lang="ar"><head><title>خبر {i} عن المياه في القامشلي</title></head><body>
<table><tr><td class="side">{programme}</td></tr>
<tr><td><h1>خبر {i} عن المياه في القامشلي</h1>{story}<p>{about}</p></td></tr></table></body></html>"#
    )
}

const ABOUT: &str = "شبكة الخابور الإخبارية منصة مستقلة تغطي أخبار الجزيرة السورية منذ عام ٢٠١٥، وتعمل بفريق من المراسلين المحليين.";

fn programme() -> String {
    (0..8)
        .map(|h| format!("<p>الساعة {h}:00، برنامج صباح الخير يا جزيرة، مع نشرة الأخبار المحلية، والطقس، وأحوال الطرق في الحسكة والقامشلي، والأسعار.</p>"))
        .collect()
}

fn learned_ring(pages: impl Iterator<Item = String>) -> Ring {
    let mut ring = Ring::default();
    for html in pages {
        let (_, learned) =
            extract_learning(&html, None, &SiteRules::default(), &Template::default());
        ring.push(learned);
    }
    ring
}

#[test]
fn an_outlets_repeated_lines_leave_its_body_once_learned() {
    let single = extract(&outlet_page(9, ABOUT, ""), None, &SiteRules::default()).expect("body");
    assert!(single.text.contains(ABOUT), "one page alone cannot tell");
    let ring = learned_ring((0..5).map(|i| outlet_page(i, ABOUT, "")));
    let template = ring.template();
    assert!(template.holds(ABOUT));
    let (e, _) = extract_learning(
        &outlet_page(9, ABOUT, ""),
        None,
        &SiteRules::default(),
        &template,
    );
    let e = e.expect("body");
    assert!(!e.text.contains(ABOUT), "{}", e.text);
    assert!(e.text.contains("الخبر رقم 9"), "{}", e.text);
    assert!(e.text.contains("منذ 9 أيام"), "{}", e.text);
    assert_eq!(e.template_lines, 1);
    // a re-check never strips what the stored version says
    let (again, _) = extract_learning(
        &outlet_page(9, ABOUT, ""),
        None,
        &SiteRules::default(),
        &template.without(&single.text),
    );
    assert_eq!(again.expect("body").text, single.text);
}

#[test]
fn a_body_every_page_shows_is_the_template_and_the_article_is_found() {
    let p = programme();
    let single = extract(&outlet_page(9, "", &p), None, &SiteRules::default()).expect("body");
    assert!(
        single.text.contains("برنامج صباح الخير"),
        "the long block wins on one page"
    );
    assert!(!single.text.contains("الخبر رقم 9"), "{}", single.text);
    let template = learned_ring((0..6).map(|i| outlet_page(i, "", &p))).template();
    let (e, learned) = extract_learning(
        &outlet_page(9, "", &p),
        None,
        &SiteRules::default(),
        &template,
    );
    let e = e.expect("body");
    assert!(!e.text.contains("برنامج صباح الخير"), "{}", e.text);
    assert!(
        e.text.contains("الخبر رقم 9") && e.text.contains("منذ 9 أيام"),
        "{}",
        e.text
    );
    assert!(e.template_lines >= 8, "{}", e.template_lines);
    // the page still teaches the template it showed
    assert!(
        learned
            .lines
            .iter()
            .filter(|h| template.holds_hash(**h))
            .count()
            >= 8
    );
    // a page that is nothing but the template is no article
    let bare = format!("<html><body><div>{p}</div><p>المزيد</p></body></html>");
    let (r, _) = extract_learning(&bare, None, &SiteRules::default(), &template);
    assert_eq!(r, Err(ExtractError::OnlyTemplate { lines: 8 }));
}

#[test]
fn an_article_of_long_excerpts_under_a_related_heading_stays_out() {
    let excerpt = |i: usize| {
        format!("<article class=\"post\"><h2><a href=\"/p/{i}\">تقرير رقم {i}</a></h2><p>{BODY2} وتابع التقرير رقم {i} أن الأهالي في الحسكة والقامشلي يعانون من انقطاع الكهرباء والمياه منذ أسابيع، وأن المنظمات لم تقدم المساعدة الكافية حتى الآن، وطالبوا الجهات المعنية بالتحرك …</p></article>")
    };
    let related: String = (0..5).map(excerpt).collect();
    let html = format!(
        r#"<html><head><title>اشتباكات في ريف دير الزور</title></head><body><div id="primary">
<article class="box"><h1>اشتباكات في ريف دير الزور</h1><p>{BODY}</p><p>{BODY}</p></article>
<article class="box"><h3 class="title">مواضيع ذات صلة</h3>{related}</article></div></body></html>"#
    );
    let e = extract(&html, None, &SiteRules::default()).expect("body");
    assert_eq!(e.text, format!("{BODY}\n{BODY}"));
}
