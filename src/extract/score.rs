//! Content scoring over the DOM: per-element text and link statistics in one
//! iterative pass (no recursion, so deeply nested pages cannot overflow the
//! stack), paragraph scores propagated to ancestors, the best block and its
//! siblings chosen, and the chosen block rendered with conditional cleaning.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hasher for node ids (small integers); no untrusted keys.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdMap<V> = HashMap<NodeId, V, BuildHasherDefault<IdHasher>>;
type IdSet = HashSet<NodeId, BuildHasherDefault<IdHasher>>;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::hints::*;
use super::render::{is_boilerplate_line, Body, Writer};
use super::{collapse_ws, visible_len};
use crate::config::SiteRules;

/// Text statistics of one element (skipped subtrees excluded).
#[derive(Debug, Clone, Copy, Default)]
struct Info {
    /// Non-whitespace characters of text.
    text: u32,
    /// Of which inside links.
    link: u32,
    /// Commas (Latin, Arabic, CJK).
    commas: u32,
    /// Text directly in this block (its own text nodes and inline
    /// descendants, not inside child blocks), and its commas.
    own: u32,
    own_commas: u32,
    /// Has a block-level child element.
    block_child: bool,
    /// Excluded from the body (tag, hidden, hint, site rule).
    skip: bool,
    /// Class/id weight: +25 positive hint, -25 negative.
    weight: i32,
}

impl Info {
    fn link_density(&self) -> f64 {
        if self.text == 0 {
            0.0
        } else {
            self.link as f64 / self.text as f64
        }
    }
}

/// The DOM with its statistics.
pub struct Analysis<'a> {
    doc: &'a Html,
    base: Option<&'a Url>,
    info: IdMap<Info>,
    /// Elements in document order.
    order: Vec<NodeId>,
}

fn tag<'n>(node: &NodeRef<'n, Node>) -> Option<&'n str> {
    match node.value() {
        Node::Element(e) => Some(e.name()),
        _ => None,
    }
}

/// Lowercase class and id tokens of an element.
/// What an element's class and id say about it.
#[derive(Debug, Clone, Copy, Default)]
struct Hint {
    /// +25 positive hint, -25 negative, 0 both or neither.
    weight: i32,
    /// A block that is never article text (share bar, related links).
    hard: bool,
    /// A comment section: never article text, whatever its size.
    comments: bool,
}

const F_COMMENT: u8 = 1;
const F_HARD: u8 = 2;
const F_NEGATIVE: u8 = 4;
const F_POSITIVE: u8 = 8;
const F_STRONG: u8 = 16;

/// One automaton over every hint fragment, with each pattern's flag.
fn hint_matcher() -> &'static (aho_corasick::AhoCorasick, Vec<u8>) {
    static MATCHER: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<u8>)> =
        std::sync::OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut patterns: Vec<&str> = Vec::new();
        let mut flags: Vec<u8> = Vec::new();
        for (list, flag) in [
            (COMMENT_HINTS, F_COMMENT),
            (HARD_NEGATIVE, F_HARD),
            (NEGATIVE_HINTS, F_NEGATIVE),
            (POSITIVE_HINTS, F_POSITIVE),
            (STRONG_POSITIVE, F_STRONG),
        ] {
            for h in list {
                patterns.push(h);
                flags.push(flag);
            }
        }
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&patterns)
            .unwrap_or_else(|e| unreachable!("hint patterns are valid: {e}"));
        (ac, flags)
    })
}

/// Flags of the hint fragments contained in `lower`.
fn hint_flags(lower: &[u8]) -> u8 {
    let (ac, flags) = hint_matcher();
    ac.find_overlapping_iter(lower)
        .fold(0, |acc, m| acc | flags[m.pattern().as_usize()])
}

fn class_hint(e: &scraper::node::Element) -> Hint {
    let (class, id) = (e.attr("class").unwrap_or(""), e.attr("id").unwrap_or(""));
    if class.trim().is_empty() && id.trim().is_empty() {
        return Hint::default();
    }
    let flags = hint_flags(class.as_bytes()) | hint_flags(id.as_bytes());
    let tokens = || class.split_whitespace().chain(id.split_whitespace());
    let comments = flags & F_COMMENT != 0;
    let positive = flags & F_POSITIVE != 0;
    let hard_hint = flags & F_HARD != 0;
    // "entry-content read-more": content wins over a hard hint, never over comments
    let hard = comments || (hard_hint && flags & F_STRONG == 0);
    let negative = comments
        || hard_hint
        || flags & F_NEGATIVE != 0
        || tokens().any(|t| NEGATIVE_TOKENS.iter().any(|n| t.eq_ignore_ascii_case(n)));
    let mut weight = 0;
    if positive {
        weight += 25;
    }
    if negative {
        weight -= 25;
    }
    Hint {
        weight,
        hard,
        comments,
    }
}

fn is_hidden(e: &scraper::node::Element) -> bool {
    e.attr("hidden").is_some()
        || e.attr("aria-hidden") == Some("true")
        || e.attr("style").is_some_and(|s| {
            let s: String = s
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        })
}

/// Structural elements that hints never remove (their classes describe the page).
const STRUCTURAL: &[&str] = &["html", "body", "main", "article"];

fn count_commas(s: &str) -> u32 {
    s.chars()
        .filter(|c| matches!(c, ',' | '،' | '，' | '、' | '。'))
        .count() as u32
}

impl<'a> Analysis<'a> {
    /// One pass over the document: which elements are skipped, and the text
    /// statistics of every other element.
    pub fn new(doc: &'a Html, rules: &SiteRules, base: Option<&'a Url>) -> Analysis<'a> {
        let mut removed: IdSet = IdSet::default();
        for sel in rules.remove.iter().filter_map(|s| Selector::parse(s).ok()) {
            removed.extend(doc.select(&sel).map(|e| e.id()));
        }
        let base_skip = |id: NodeId, e: &scraper::node::Element| {
            removed.contains(&id) || is_skip_tag(e.name()) || is_hidden(e)
        };
        // Pass 1 measures without class/id hints; pass 2 drops hinted blocks,
        // except a block that holds most of the page's text with few links
        // (a wrapper whose class happens to say "widget" or "sidebar").
        // class/id hints, computed once per element that has a class or id
        let mut hints: IdMap<Hint> = IdMap::default();
        for node in doc.tree.nodes() {
            if let Node::Element(e) = node.value() {
                if e.attr("class").is_some() || e.attr("id").is_some() {
                    hints.insert(node.id(), class_hint(e));
                }
            }
        }
        let weight = |id: NodeId| hints.get(&id).map_or(0, |h| h.weight);
        let (first, order) = measure(doc, |id, e| base_skip(id, e), weight);
        let page_text = doc
            .tree
            .root()
            .children()
            .filter_map(|c| first.get(&c.id()))
            .map(|i| i.text)
            .max()
            .unwrap_or(0) as f64;
        let mut hinted: IdSet = IdSet::default();
        for &id in &order {
            let Some(node) = doc.tree.get(id) else {
                continue;
            };
            let Node::Element(e) = node.value() else {
                continue;
            };
            if STRUCTURAL.contains(&e.name()) {
                continue;
            }
            let hint = hints.get(&id).copied().unwrap_or_default();
            let info = first.get(&id).copied().unwrap_or_default();
            let protected = info.text as f64 >= 0.4 * page_text && info.link_density() < 0.5;
            let hinted_out = hint.hard
                || hint.weight < 0
                || e.name() == "form"
                || (matches!(e.name(), "div" | "section" | "article" | "ul" | "ol")
                    && introduced_by_boilerplate(&node));
            if hint.comments || (hinted_out && !protected) {
                hinted.insert(id);
            }
        }
        let (info, order) = measure(
            doc,
            |id, e| base_skip(id, e) || hinted.contains(&id),
            weight,
        );
        Analysis {
            doc,
            base,
            info,
            order,
        }
    }
    fn get(&self, id: NodeId) -> Info {
        self.info.get(&id).copied().unwrap_or_default()
    }
}

/// Text statistics of every element not skipped by `skip` (nor inside a
/// skipped one), and all elements in document order.
fn measure(
    doc: &Html,
    skip: impl Fn(NodeId, &scraper::node::Element) -> bool,
    weight_of: impl Fn(NodeId) -> i32,
) -> (IdMap<Info>, Vec<NodeId>) {
    let mut info: IdMap<Info> = IdMap::default();
    let mut order = Vec::new();
    let mut stack: Vec<(NodeId, Info)> = Vec::new();
    let mut skip_depth = 0usize;
    let mut link_depth = 0usize;
    // indexes into `stack` of the open block-level elements
    let mut blocks: Vec<usize> = Vec::new();
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if skip_depth > 0 {
                        skip_depth += 1;
                        continue;
                    }
                    let name = e.name();
                    let weight = weight_of(node.id());
                    order.push(node.id());
                    if skip(node.id(), e) {
                        info.insert(
                            node.id(),
                            Info {
                                skip: true,
                                weight,
                                ..Info::default()
                            },
                        );
                        skip_depth = 1;
                        continue;
                    }
                    if name == "a" {
                        link_depth += 1;
                    }
                    if is_block(name) {
                        blocks.push(stack.len());
                    }
                    stack.push((
                        node.id(),
                        Info {
                            weight,
                            ..Info::default()
                        },
                    ));
                }
                Node::Text(t) if skip_depth == 0 => {
                    if let Some((_, top)) = stack.last_mut() {
                        let n = visible_len(t) as u32;
                        top.text += n;
                        if link_depth > 0 {
                            top.link += n;
                        }
                        let commas = count_commas(t);
                        top.commas += commas;
                        if let Some(&b) = blocks.last() {
                            if let Some((_, block)) = stack.get_mut(b) {
                                block.own += n;
                                block.own_commas += commas;
                            }
                        }
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                let Some(name) = tag(&node) else { continue };
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                let Some((id, done)) = stack.pop() else {
                    continue;
                };
                if blocks.last() == Some(&stack.len()) {
                    blocks.pop();
                }
                if name == "a" {
                    link_depth = link_depth.saturating_sub(1);
                }
                if let Some((_, parent)) = stack.last_mut() {
                    parent.text += done.text;
                    parent.link += done.link;
                    parent.commas += done.commas;
                    if name != "br" && is_block_tag(name) {
                        parent.block_child = true;
                    }
                }
                info.insert(id, done);
            }
        }
    }
    (info, order)
}

impl<'a> Analysis<'a> {
    /// Elements that are paragraphs of text on their own.
    fn is_paragraph(&self, node: &NodeRef<Node>, info: &Info) -> bool {
        match tag(node) {
            Some(t) if is_paragraph_tag(t) => true,
            Some("div" | "section" | "span" | "font" | "center") => !info.block_child,
            _ => false,
        }
    }

    /// The text of the best block and the siblings that belong with it.
    pub fn best_text(&self, title: Option<&str>) -> Option<Body> {
        let mut scores: IdMap<f64> = IdMap::default();
        let mut candidates: Vec<NodeId> = Vec::new();
        for &id in &self.order {
            let info = self.get(id);
            if info.skip || info.own < 20 {
                continue;
            }
            let Some(node) = self.doc.tree.get(id) else {
                continue;
            };
            // A paragraph scores its ancestors; loose text runs inside a
            // block with child blocks score that block as their parent.
            let (from, text, commas) = if self.is_paragraph(&node, &info) {
                (node.parent(), info.text, info.commas)
            } else {
                (Some(node), info.own, info.own_commas)
            };
            let score = 1.0 + commas as f64 + (text as f64 / 100.0).min(3.0);
            let mut level = 0;
            let mut cur = from;
            while let Some(anc) = cur {
                if level >= 5 {
                    break;
                }
                let Some(name) = tag(&anc) else { break };
                if name == "html" {
                    break;
                }
                let entry = scores.entry(anc.id()).or_insert_with(|| {
                    candidates.push(anc.id());
                    base_score(name) + self.get(anc.id()).weight as f64
                });
                let divider = match level {
                    0 => 1.0,
                    1 => 2.0,
                    l => l as f64 * 3.0,
                };
                *entry += score / divider;
                level += 1;
                cur = anc.parent();
            }
        }
        let mut best: Option<(NodeId, f64)> = None;
        for id in candidates {
            let raw = scores.get(&id).copied().unwrap_or(0.0);
            let s = raw * (1.0 - self.get(id).link_density());
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((id, s));
            }
        }
        let (mut top_id, mut top_score) = best?;
        let final_score = |id: NodeId| {
            scores.get(&id).copied().unwrap_or(0.0) * (1.0 - self.get(id).link_density())
        };
        // A block that is its parent's only element is that parent, for
        // the purpose of finding siblings.
        while let Some(parent) = self.doc.tree.get(top_id).and_then(|t| t.parent()) {
            if matches!(tag(&parent), Some("body" | "html") | None)
                || parent
                    .children()
                    .filter(|c| c.value().is_element())
                    .nth(1)
                    .is_some()
            {
                break;
            }
            top_id = parent.id();
            top_score = top_score.max(final_score(parent.id()));
        }
        let top = self.doc.tree.get(top_id)?;

        // Siblings that continue the article (split containers, loose paragraphs).
        let threshold = (top_score * 0.2).max(10.0);
        let top_class = ElementRef::wrap(top).and_then(|e| e.value().attr("class"));
        let mut parts: Vec<NodeRef<Node>> = Vec::new();
        match top.parent().filter(|p| tag(p) != Some("html")) {
            Some(parent) => {
                // (node, appended, low-link filler that may sit between appended parts)
                let mut sibs: Vec<(NodeRef<Node>, bool, bool)> = Vec::new();
                for sib in parent.children() {
                    if sib.id() == top_id {
                        sibs.push((sib, true, false));
                        continue;
                    }
                    let Some(e) = ElementRef::wrap(sib) else {
                        continue;
                    };
                    let info = self.get(sib.id());
                    if info.skip || info.text == 0 || introduced_by_boilerplate(&sib) {
                        continue;
                    }
                    let mut s = final_score(sib.id());
                    if top_class.is_some() && e.value().attr("class") == top_class {
                        s += top_score * 0.2;
                    }
                    let ld = info.link_density();
                    let append = s >= threshold
                        || (self.is_paragraph(&sib, &info)
                            && ((info.text > 80 && ld < 0.25)
                                || (info.text > 0 && ld == 0.0 && ends_sentence(&e))));
                    sibs.push((sib, append, ld < 0.35));
                }
                // Headings, lists and short lines between two appended parts belong to them.
                let first = sibs.iter().position(|s| s.1);
                let last = sibs.iter().rposition(|s| s.1);
                if let (Some(first), Some(last)) = (first, last) {
                    for (i, (node, append, filler)) in sibs.into_iter().enumerate() {
                        if append || (filler && i > first && i < last) {
                            parts.push(node);
                        }
                    }
                }
            }
            None => parts.push(top),
        }
        let mut w = Writer::new(self.base);
        for p in parts {
            self.walk(p, true, true, &mut w);
            w.line_break();
        }
        Some(w.finish(title))
    }

    /// Text under an element chosen by a site rule: only skipped elements and
    /// boilerplate lines are dropped.
    pub fn render_rule(&self, root: ElementRef) -> Body {
        let mut w = Writer::new(self.base);
        self.walk(*root, true, false, &mut w);
        w.finish(None)
    }

    /// Writes the blocks under `root`; `is_root` keeps the node itself even
    /// if conditional cleaning would drop it.
    fn walk(&self, root: NodeRef<Node>, is_root: bool, conditional: bool, w: &mut Writer) {
        let mut skip_depth = 0usize;
        // for each open inline element: whether it wrote markup to close
        let mut inline_open: Vec<bool> = Vec::new();
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(e) => {
                        if skip_depth > 0 {
                            skip_depth += 1;
                            continue;
                        }
                        let this_root = is_root && node.id() == root.id();
                        let info = self.get(node.id());
                        let drop = info.skip
                            || (!this_root
                                && conditional
                                && self.clean_conditionally(&node, e.name(), &info));
                        if drop {
                            skip_depth = 1;
                            continue;
                        }
                        let name = e.name();
                        if name == "br" {
                            w.line_break();
                        } else if is_block_tag(name) {
                            w.open_block(name);
                        } else {
                            inline_open.push(w.open_inline(name, e.attr("href")));
                        }
                    }
                    Node::Text(t) if skip_depth == 0 => w.text(t),
                    _ => {}
                },
                Edge::Close(node) => {
                    let Some(name) = tag(&node) else { continue };
                    if skip_depth > 0 {
                        skip_depth -= 1;
                        continue;
                    }
                    if name == "br" {
                        continue;
                    }
                    if is_block_tag(name) {
                        w.close_block();
                    } else if inline_open.pop() == Some(true) {
                        w.close_inline();
                    }
                    if matches!(name, "td" | "th") {
                        w.text(" ");
                    }
                }
            }
        }
    }

    /// Blocks inside the article that are not article text: link lists,
    /// the title repeated, navigation fragments.
    fn clean_conditionally(&self, node: &NodeRef<Node>, name: &str, info: &Info) -> bool {
        let ld = info.link_density();
        match name {
            "h2" | "h3" | "h4" | "h5" | "h6" => ld > 0.5,
            // a link line, or a bundle of links ("Don't miss: …")
            "p" => {
                (ld > 0.8 && info.text < 200)
                    || (ld > 0.6
                        && node
                            .descendants()
                            .filter(|d| tag(d) == Some("a"))
                            .nth(2)
                            .is_some()
                        && node
                            .descendants()
                            .filter(|d| tag(d) == Some("br"))
                            .nth(1)
                            .is_some())
            }
            // hover cards and inline link bundles, not a link's own label
            "span" => {
                ld > 0.8
                    && node
                        .descendants()
                        .filter(|d| tag(d) == Some("a"))
                        .nth(1)
                        .is_some()
            }
            "div" | "section" | "ul" | "ol" | "table" | "header" | "figure" | "dl" => {
                if introduced_by_boilerplate(node) {
                    return true;
                }
                if info.commas >= 10 && ld < 0.3 {
                    return false;
                }
                if info.text == 0 {
                    return false; // images, line breaks
                }
                if ld > 0.5 {
                    return true;
                }
                if matches!(name, "ul" | "ol") {
                    // a list of links (related stories, tags), not a list with some links
                    let (mut items, mut link_items) = (0, 0);
                    for li in node.children().filter(|c| tag(c) == Some("li")) {
                        items += 1;
                        if self.get(li.id()).link_density() > 0.9 {
                            link_items += 1;
                        }
                    }
                    return ld > 0.3 && link_items * 2 >= items;
                }
                info.weight < 25 && ld > 0.25 && info.text < 300 && self.has_links(node)
            }
            _ => false,
        }
    }
}

/// A block whose first element is a boilerplate heading ("Related
/// posts", "Você pode gostar…") is boilerplate as a whole.
fn introduced_by_boilerplate(node: &NodeRef<Node>) -> bool {
    let Some(first) = node
        .descendants()
        .skip(1)
        .filter_map(ElementRef::wrap)
        .find(|e| {
            !matches!(e.value().name(), "a" | "span" | "div" | "header")
                || e.value().attr("class").is_some()
        })
    else {
        return false;
    };
    let name = first.value().name();
    let heading = matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
        || first.value().attr("class").is_some_and(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("title") || c.contains("heading")
        });
    if !heading {
        return false;
    }
    if class_hint(first.value()).hard {
        return true;
    }
    let text = collapse_ws(&first.text().collect::<String>());
    !text.is_empty() && text.chars().count() < 60 && is_boilerplate_line(&text)
}

impl Analysis<'_> {
    fn has_links(&self, node: &NodeRef<Node>) -> bool {
        node.descendants().any(|d| tag(&d) == Some("a"))
    }
}

fn is_block(name: &str) -> bool {
    name != "br" && (is_block_tag(name) || matches!(name, "body" | "html"))
}

fn ends_sentence(e: &ElementRef) -> bool {
    let t: String = e.text().collect();
    t.trim_end()
        .ends_with(['.', '!', '?', '؟', '。', '"', '»', '”'])
}

fn base_score(tag: &str) -> f64 {
    match tag {
        "div" | "article" | "section" | "main" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

/// Text of a whole (fragment) document without any cleaning but scripts and styles.
pub(super) fn render_plain(doc: &Html) -> String {
    let mut out = String::new();
    let mut skip_depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if skip_depth > 0 || matches!(e.name(), "script" | "style" | "template") {
                        skip_depth += 1;
                        continue;
                    }
                    if is_block_tag(e.name()) {
                        out.push('\n');
                    }
                }
                Node::Text(t) if skip_depth == 0 => out.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                let Some(name) = tag(&node) else { continue };
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                if is_block_tag(name) {
                    out.push('\n');
                }
            }
        }
    }
    super::collapse_lines(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint_of(html: &str) -> Hint {
        let doc = Html::parse_fragment(html);
        let sel = Selector::parse("div").expect("selector");
        let div = doc.select(&sel).next().expect("div");
        class_hint(div.value())
    }

    #[test]
    fn class_hints() {
        assert!(hint_of("<div class='comment-content'></div>").comments);
        assert!(hint_of("<div id='disqus_thread'></div>").hard);
        assert!(hint_of("<div class='sharedaddy sd-sharing'></div>").hard);
        // content wins over a hard hint, never over comments
        let h = hint_of("<div class='entry-content entry-content-read-more'></div>");
        assert!(!h.hard && h.weight == 0);
        assert_eq!(hint_of("<div class='entry-content'></div>").weight, 25);
        assert_eq!(hint_of("<div class='widget Blog'></div>").weight, 0);
        assert_eq!(hint_of("<div class='ad'></div>").weight, -25);
        assert_eq!(
            hint_of("<div class='heads'></div>").weight,
            0,
            "`ads` only as a token"
        );
        assert!(hint_of("<div class='Related-Posts'></div>").hard);
    }

    #[test]
    fn scores_follow_paragraphs_and_links() {
        let text = "Residents of Qamishli said on Sunday that prices of bread, fuel and rent had risen sharply.";
        let html = format!(
            "<body><div id=first><p><a href=/a>{text}</a></p><p><a href=/b>{text}</a></p></div>\
             <div id=second><p>{text}</p><p>{text}</p></div></body>"
        );
        let doc = Html::parse_document(&html);
        let a = Analysis::new(&doc, &SiteRules::default(), None);
        let body = a.best_text(None).expect("body");
        assert_eq!(
            body.text,
            format!("{text}\n{text}"),
            "the linked twin loses on link density"
        );
        let info_of = |id: &str| {
            let sel = Selector::parse(&format!("#{id}")).expect("selector");
            a.get(doc.select(&sel).next().expect("element").id())
        };
        assert!(info_of("first").link_density() > 0.99);
        assert_eq!(info_of("second").link_density(), 0.0);
        assert_eq!(info_of("second").commas, 2);
    }
}
