//! Prescan: what it cuts, what it bounds, and that the text shown stays.

use super::*;

#[test]
fn scripts_styles_and_comments_go_json_ld_is_kept() {
    let html = "<html><head><style>p{}</style><script>if (a<b) { x = '</div>'; }</SCRIPT>\
<script type=\"application/ld+json\">{\"articleBody\":\"نص\"}</script></head>\
<body><!-- <p>old</p> --><p title=\"a>b\">الحسكة</p><svg><g><text>x</text></g></svg></body></html>";
    let p = prescan(html);
    assert_eq!(
        p.html,
        "<html><head></head><body><p title=\"a>b\">الحسكة</p></body></html>"
    );
    assert_eq!(p.json_ld, vec!["{\"articleBody\":\"نص\"}".to_string()]);
}

#[test]
fn long_tags_lose_unused_attributes() {
    let html = "<img src=x.jpg><div class=\"wp-image\" srcset=\"a.jpg 300w, b.jpg 600w, c.jpg 900w, d.jpg 1200w\" data-x='1>2' alt=x><a href=/k title='Kobanê' data-track=\"yes please track this, and this, and that\">K</a>";
    assert_eq!(
        prescan(html).html,
        "<div class=\"wp-image\"><a href=/k>K</a>"
    );
}

#[test]
fn plain_pages_are_borrowed() {
    let html = "<div><p>x<p>y</div>";
    assert!(matches!(prescan(html).html, Cow::Borrowed(_)));
}

#[test]
fn deep_nesting_is_cut_and_text_kept() {
    let n = 5000;
    let html = format!(
        "{}<b>نص</b>{}",
        "<div class=\"a>b\">".repeat(n),
        "</div>".repeat(n)
    );
    let out = prescan(&html).html;
    assert_eq!(out.matches("<div").count(), MAX_DEPTH);
    assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
    assert!(out.contains("نص"));
}

#[test]
fn unterminated_constructs_do_not_panic() {
    for s in [
        "<script>",
        "<!--",
        "<div",
        "<",
        "</",
        "<a href='",
        "<style>x</sty",
        "<?xml",
    ] {
        let _ = prescan(s);
    }
}

#[test]
fn unclosed_formatting_elements_are_bounded() {
    let mut html = String::from("<html><body>");
    for n in 0..20_000 {
        html.push_str(&format!("<b id={n}>"));
    }
    html.push_str(&"x<p>".repeat(50_000));
    let p = prescan(&html);
    assert_eq!(p.html.matches("<b ").count(), MAX_OPEN_FORMATTING);
    assert_eq!(p.html.matches("x").count(), 50_000, "text kept");
    // closed ones do not count against the bound
    let ok = "<p><b>a</b><i>b</i></p>".repeat(1000);
    assert_eq!(prescan(&ok).html, ok);
}

#[test]
fn tags_beyond_the_budget_are_dropped_and_text_kept() {
    let html = "<span>w</span>".repeat(MAX_TAGS + 10);
    let p = prescan(&html);
    assert_eq!(p.html.matches("<span>").count(), MAX_TAGS);
    assert_eq!(p.html.matches("</span>").count(), MAX_TAGS);
    assert_eq!(p.html.matches('w').count(), MAX_TAGS + 10);
}

/// The text a browser shows: every text node outside the elements
/// prescan drops, whitespace collapsed.
fn shown(html: &str) -> String {
    use ego_tree::iter::Edge;
    use scraper::Node;
    let doc = scraper::Html::parse_document(html);
    let mut out = String::new();
    let mut skip = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(n) => match n.value() {
                Node::Element(e) if skip > 0 || DROPPED.contains(&e.name()) => skip += 1,
                Node::Text(t) if skip == 0 => out.push_str(t),
                _ => {}
            },
            Edge::Close(n) if n.value().is_element() && skip > 0 => skip -= 1,
            Edge::Close(_) => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Pieces of markup where a byte scanner and the HTML tokenizer can
/// disagree: scripts that build HTML in strings, comments inside
/// scripts, quotes in unquoted values, bogus comments, raw text.
/// (`svg` and `template` are left out: foreign content and template
/// contents follow tree rules that dropping them whole approximates.)
const PIECES: &[&str] = &[
    "<script>",
    "</script>",
    "<script type=\"text/javascript\">",
    "<SCRIPT>",
    "</script >",
    "</scripts>",
    "<script/>",
    "<!--",
    "-->",
    "--!>",
    "<!-->",
    "<!--->",
    "-",
    "<",
    ">",
    "'",
    "\"",
    "=",
    " ",
    "<p>",
    "</p>",
    "<b>",
    "</b>",
    "<div class=a'b>",
    "<div title=\"a>b\">",
    "<p =x>",
    "<style>",
    "</style>",
    "<title>",
    "</title>",
    "<textarea>",
    "</textarea>",
    "<iframe>",
    "</iframe>",
    "<noscript>",
    "</noscript>",
    "<!DOCTYPE html>",
    "<?x?>",
    "<![CDATA[",
    "]]>",
    "</",
    "</ ",
    "</>",
    "<a href=x>",
    "</a>",
    "<img src=x>",
    "<br/>",
    "t += \"<td>\";",
    "document.write(\"<script src=x></script>\");",
    "text",
    "نص الخبر",
    "Qamişlo",
    "٢٠٢٦",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]
    #[test]
    fn prescan_then_parse_shows_what_the_parser_shows(
        picks in proptest::collection::vec(0..PIECES.len(), 0..40)
    ) {
        let html: String = picks.iter().map(|&i| PIECES[i]).collect();
        let p = prescan(&html);
        proptest::prop_assert_eq!(shown(&p.html), shown(&html), "page: {:?}\nprescanned: {:?}", html, p.html);
    }
}
