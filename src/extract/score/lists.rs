//! Lists of like items (three or more siblings of one tag and class):
//! posts, each stamped with its own date or time, as reader comments and
//! forum replies are (such a list can outweigh a short article above it;
//! the article is then the best block before the list); and teasers,
//! each a short text led by a link, as "most read", "related" and
//! «اقرأ أيضاً» boxes are in any layout, tables included.

use ego_tree::iter::Edge;
use ego_tree::NodeRef;
use scraper::{ElementRef, Node};

/// Like siblings that make a list.
const MIN_ITEMS: usize = 3;

/// Longest text that counts as a post's date line.
const MAX_STAMP_CHARS: usize = 40;

/// Longest item of a teaser list, in characters.
const MAX_TEASER_CHARS: usize = 300;

/// Whether `node`'s children are a list of dated posts.
pub(super) fn is_post_list(node: &NodeRef<Node>) -> bool {
    like_groups(node, has_stamp)
}

/// Whether `node`'s children (a table's rows) are teasers: short items,
/// each with a link that carries a good part of its text.
pub(super) fn is_teaser_list(node: &NodeRef<Node>) -> bool {
    like_groups(node, is_teaser)
}

fn is_teaser(e: &ElementRef) -> bool {
    if matches!(
        e.value().name(),
        "p" | "br" | "span" | "a" | "b" | "i" | "em" | "strong"
    ) {
        // paragraphs with links are prose, not teasers
        return false;
    }
    let mut all = 0usize;
    let mut linked = 0usize;
    let mut led = None;
    let mut link_depth = 0usize;
    for edge in e.traverse().take(400) {
        match edge {
            Edge::Open(d) => match d.value() {
                Node::Element(el) if el.name() == "a" => link_depth += 1,
                Node::Text(t) => {
                    let n = t.chars().filter(|c| !c.is_whitespace()).count();
                    if n == 0 {
                        continue;
                    }
                    all += n;
                    if link_depth > 0 {
                        linked += n;
                    }
                    // a teaser opens with its linked title, or with its time
                    led.get_or_insert(
                        link_depth > 0 || (n <= MAX_STAMP_CHARS && is_stamp(t.trim())),
                    );
                }
                _ => {}
            },
            Edge::Close(d) if matches!(d.value(), Node::Element(el) if el.name() == "a") => {
                link_depth = link_depth.saturating_sub(1);
            }
            Edge::Close(_) => {}
        }
    }
    led == Some(true) && all <= MAX_TEASER_CHARS && linked * 8 >= all
}

/// The items of a list: the children, or a table's rows.
fn items<'a>(node: &NodeRef<'a, Node>) -> Vec<ElementRef<'a>> {
    let children: Vec<ElementRef> = node.children().filter_map(ElementRef::wrap).collect();
    if ElementRef::wrap(*node).is_some_and(|e| e.value().name() == "table") {
        return children
            .iter()
            .flat_map(|c| c.children().filter_map(ElementRef::wrap))
            .collect();
    }
    children
}

/// An item's tag and class.
type Kind<'a> = (&'a str, Option<&'a str>);

/// Whether three or more like items (same tag and class) pass `test`,
/// and at least half of their kind.
fn like_groups(node: &NodeRef<Node>, test: fn(&ElementRef) -> bool) -> bool {
    // (tag and class, items, items that pass)
    let mut groups: Vec<(Kind, usize, usize)> = Vec::new();
    for child in items(node) {
        let key = (child.value().name(), child.value().attr("class"));
        let stamped = usize::from(test(&child));
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => {
                g.1 += 1;
                g.2 += stamped;
            }
            None => groups.push((key, 1, stamped)),
        }
    }
    groups
        .iter()
        .any(|&(_, n, passed)| n >= MIN_ITEMS && passed >= MIN_ITEMS && passed * 2 >= n)
}

/// A short text in `e` that is a date or a time of day ("19:23",
/// "2012-01-24", "24.01.2012", "٢٤/١/٢٠١٢").
fn has_stamp(e: &ElementRef) -> bool {
    e.descendants().take(400).any(|d| match d.value() {
        Node::Text(t) => {
            let t = t.trim();
            !t.is_empty() && t.chars().count() <= MAX_STAMP_CHARS && is_stamp(t)
        }
        _ => false,
    })
}

fn is_stamp(t: &str) -> bool {
    // digit runs and the separators between them
    let mut runs: Vec<(usize, char)> = Vec::new();
    let mut len = 0;
    for c in t.chars() {
        if c.is_numeric() {
            len += 1;
        } else {
            if len > 0 {
                runs.push((len, c));
            }
            len = 0;
        }
    }
    if len > 0 {
        runs.push((len, ' '));
    }
    runs.windows(2).any(|w| {
        let ((a, sep), (b, _)) = (w[0], w[1]);
        // 19:23
        (sep == ':' && (1..=2).contains(&a) && b == 2)
            // 2012-01-24, 24.01.2012, 24/1/2012
            || (matches!(sep, '-' | '.' | '/') && (a == 4 || b == 4 || (a <= 2 && b <= 2)) && a + b >= 3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn with(html: &str, test: fn(&NodeRef<Node>) -> bool) -> bool {
        let doc = Html::parse_fragment(html);
        let sel = Selector::parse("#l").expect("selector");
        let e = doc.select(&sel).next().expect("list");
        test(&e)
    }

    fn list(html: &str) -> bool {
        with(html, is_post_list)
    }

    fn list_teasers(html: &str) -> bool {
        with(html, is_teaser_list)
    }

    #[test]
    fn dated_posts_are_a_list_and_paragraphs_are_not() {
        let post = |name: &str, when: &str| {
            format!("<div class=c><div class=h><span>{name}</span> <span>[{when}]</span></div><p>رأيي أن الخبر غير دقيق وأن الوضع في القامشلي مختلف تماماً.</p></div>")
        };
        let posts: String = [
            ("زائر", "2012-01-24 19:23"),
            ("سامر", "١٠:٤٥"),
            ("Rojhat", "24.01.2012"),
        ]
        .iter()
        .map(|(n, w)| post(n, w))
        .collect();
        assert!(list(&format!("<div id=l>{posts}</div>")));
        let paras =
            "<p>قال مصدر محلي إن اشتباكات اندلعت في ريف الحسكة يوم 12 تشرين الثاني.</p>".repeat(5);
        assert!(!list(&format!("<div id=l>{paras}</div>")));
        let teasers = "<div class=t><a href=/1>اشتباكات في ريف دير الزور</a><div>قتلى وجرحى في اشتباكات.</div></div>".repeat(4);
        assert!(list_teasers(&format!(
            "<div id=l><h2>الأكثر قراءة</h2>{teasers}</div>"
        )));
        let rows = "<tr><td><a href=/2>Kobani rebuilds</a></td><td>12 views</td></tr>".repeat(3);
        assert!(list_teasers(&format!(
            "<table id=l><tbody>{rows}</tbody></table>"
        )));
        assert!(!list_teasers(&format!("<div id=l>{paras}</div>")));
        assert!(is_stamp("19:23") && is_stamp("2012-01-24") && is_stamp("٢٤/١/٢٠١٢"));
        assert!(!is_stamp("قتل 12 شخصاً") && !is_stamp("3.5 million"));
    }
}
