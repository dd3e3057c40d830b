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

mod anchor;
mod classes;
mod clean;
mod lists;

use super::hints::*;
use super::render::{Body, Writer};
use super::template::Template;
use super::{collapse_ws, visible_len};
use crate::config::SiteRules;
use classes::{class_hint, is_hidden, Hint};
use clean::introduced_by_boilerplate;
pub(super) use clean::render_plain;

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
    /// The headline element, when the page shows its title.
    anchor: Option<anchor::Anchor>,
}

fn tag<'n>(node: &NodeRef<'n, Node>) -> Option<&'n str> {
    match node.value() {
        Node::Element(e) => Some(e.name()),
        _ => None,
    }
}

/// Characters of text under which a candidate counts for less.
const MIN_CANDIDATE_TEXT: f64 = 200.0;

/// How much more a candidate with the headline counts.
const HEADLINE_BOOST: f64 = 2.0;

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
    pub fn new(
        doc: &'a Html,
        rules: &SiteRules,
        base: Option<&'a Url>,
        title: Option<&str>,
        template: &Template,
    ) -> Analysis<'a> {
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
        // the headline and the blocks that hold it are never hinted out (an
        // article inside "comments_page_wrapper")
        let anchor = anchor::Anchor::find(doc, &first, &order, title);
        let mut hinted: IdSet = IdSet::default();
        for &id in &order {
            if anchor.as_ref().is_some_and(|a| a.is_above(id)) {
                continue;
            }
            let Some(node) = doc.tree.get(id) else {
                continue;
            };
            let Node::Element(e) = node.value() else {
                continue;
            };
            let introduced = matches!(e.name(), "div" | "section" | "article" | "ul" | "ol")
                && introduced_by_boilerplate(&node);
            // a block under a "Related"/«اقرأ أيضاً» heading that does not
            // hold the headline is never the article, however long its
            // excerpts (an `<article>` of teasers included)
            if introduced && anchor.as_ref().is_some_and(|a| !a.within(doc, id)) {
                hinted.insert(id);
                continue;
            }
            if STRUCTURAL.contains(&e.name()) {
                continue;
            }
            let hint = hints.get(&id).copied().unwrap_or_default();
            let info = first.get(&id).copied().unwrap_or_default();
            let protected = info.text as f64 >= 0.4 * page_text && info.link_density() < 0.5;
            let hinted_out = hint.hard || hint.weight < 0 || e.name() == "form" || introduced;
            if hint.comments || (hinted_out && !protected) {
                hinted.insert(id);
            }
        }
        // blocks whose text is the outlet's template count for nothing
        if !template.is_empty() {
            for &id in &order {
                let info = first.get(&id).copied().unwrap_or_default();
                if info.skip || info.block_child || info.text == 0 {
                    continue;
                }
                let Some(e) = doc.tree.get(id).and_then(ElementRef::wrap) else {
                    continue;
                };
                if is_block_tag(e.value().name())
                    && template.holds(&collapse_ws(&e.text().collect::<String>()))
                {
                    hinted.insert(id);
                }
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
            anchor,
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
    let mut m = Measure::default();
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if m.skip_depth > 0 {
                        m.skip_depth += 1;
                    } else {
                        m.open(node.id(), e, skip(node.id(), e), weight_of(node.id()));
                    }
                }
                Node::Text(t) if m.skip_depth == 0 => m.text(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Some(name) = tag(&node) {
                    m.close(name);
                }
            }
        }
    }
    (m.info, m.order)
}

/// The state of the statistics walk.
#[derive(Default)]
struct Measure {
    info: IdMap<Info>,
    order: Vec<NodeId>,
    /// Open elements with their statistics so far.
    stack: Vec<(NodeId, Info)>,
    /// Depth inside a skipped element (0: not in one).
    skip_depth: usize,
    link_depth: usize,
    /// Indexes into `stack` of the open block-level elements.
    blocks: Vec<usize>,
}

impl Measure {
    fn open(&mut self, id: NodeId, e: &scraper::node::Element, skip: bool, weight: i32) {
        self.order.push(id);
        if skip {
            let info = Info {
                skip: true,
                weight,
                ..Info::default()
            };
            self.info.insert(id, info);
            self.skip_depth = 1;
            return;
        }
        let name = e.name();
        if name == "a" {
            self.link_depth += 1;
        }
        if is_block(name) {
            self.blocks.push(self.stack.len());
        }
        let info = Info {
            weight,
            ..Info::default()
        };
        self.stack.push((id, info));
    }

    fn text(&mut self, t: &str) {
        let Some((_, top)) = self.stack.last_mut() else {
            return;
        };
        let n = visible_len(t) as u32;
        top.text += n;
        if self.link_depth > 0 {
            top.link += n;
        }
        let commas = count_commas(t);
        top.commas += commas;
        if let Some(&b) = self.blocks.last() {
            if let Some((_, block)) = self.stack.get_mut(b) {
                block.own += n;
                block.own_commas += commas;
            }
        }
    }

    fn close(&mut self, name: &str) {
        if self.skip_depth > 0 {
            self.skip_depth -= 1;
            return;
        }
        let Some((id, done)) = self.stack.pop() else {
            return;
        };
        if self.blocks.last() == Some(&self.stack.len()) {
            self.blocks.pop();
        }
        if name == "a" {
            self.link_depth = self.link_depth.saturating_sub(1);
        }
        if let Some((_, parent)) = self.stack.last_mut() {
            parent.text += done.text;
            parent.link += done.link;
            parent.commas += done.commas;
            if name != "br" && is_block_tag(name) {
                parent.block_child = true;
            }
        }
        self.info.insert(id, done);
    }
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
        let (scores, candidates) = self.scores();
        let (top_id, top_score) = self.top(&scores, candidates)?;
        let parts = self.with_siblings(top_id, top_score, &scores)?;
        let mut w = Writer::new(self.base);
        for p in parts {
            self.walk(p, true, true, &mut w);
            w.line_break();
        }
        Some(w.finish(title))
    }

    /// The top candidate rendered without conditional cleaning: what a page
    /// whose cleaned body came out too short still shows as its text.
    pub fn fallback_text(&self, title: Option<&str>) -> Option<Body> {
        let (scores, candidates) = self.scores();
        let (top_id, _) = self.top(&scores, candidates)?;
        let top = self.doc.tree.get(top_id)?;
        let mut w = Writer::new(self.base);
        self.walk(top, true, false, &mut w);
        Some(w.finish(title))
    }

    /// Every paragraph's score given to its ancestors (up to five levels,
    /// less the farther up), with the ancestors in the order first scored.
    fn scores(&self) -> (IdMap<f64>, Vec<NodeId>) {
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
            let mut cur = from;
            for level in 0..5 {
                let Some(anc) = cur else { break };
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
                cur = anc.parent();
            }
        }
        (scores, candidates)
    }

    /// A candidate's score, less the share of its text inside links.
    fn final_score(&self, scores: &IdMap<f64>, id: NodeId) -> f64 {
        let info = self.get(id);
        // a caption or a one-line box wins nothing by its class alone
        let size = (f64::from(info.text) / MIN_CANDIDATE_TEXT).min(1.0);
        scores.get(&id).copied().unwrap_or(0.0) * (1.0 - info.link_density()) * size
    }

    /// The best candidate, widened to its parent while it is that parent's
    /// only element (so its siblings can be found).
    fn top(&self, scores: &IdMap<f64>, candidates: Vec<NodeId>) -> Option<(NodeId, f64)> {
        let mut ranked: Vec<(NodeId, f64)> = Vec::with_capacity(candidates.len());
        for id in candidates {
            let mut s = self.final_score(scores, id);
            // a block with the headline and a paragraph or more besides it
            if self
                .anchor
                .as_ref()
                .is_some_and(|a| self.get(id).text >= a.text() + 140 && a.holds(self.doc, id))
            {
                s *= HEADLINE_BOOST;
            }
            ranked.push((id, s));
        }
        let highest = |b: (NodeId, f64), c: (NodeId, f64)| if c.1 > b.1 { c } else { b };
        let mut best = ranked.iter().copied().reduce(highest)?;
        // reader comments under a short article: the article is the best
        // block before them
        if self
            .doc
            .tree
            .get(best.0)
            .is_some_and(|n| lists::is_post_list(&n))
        {
            if let Some(before) = ranked
                .iter()
                .copied()
                .filter(|&(id, s)| {
                    id < best.0
                        && s >= best.1 * 0.3
                        && f64::from(self.get(id).text) >= MIN_CANDIDATE_TEXT
                        && !self.is_ancestor(id, best.0)
                })
                .reduce(highest)
            {
                best = before;
            }
        }
        let (mut top_id, mut top_score) = best;
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
            top_score = top_score.max(self.final_score(scores, parent.id()));
        }
        Some((top_id, top_score))
    }

    /// Whether `a` holds `b`.
    fn is_ancestor(&self, a: NodeId, b: NodeId) -> bool {
        self.doc
            .tree
            .get(b)
            .is_some_and(|n| n.ancestors().any(|x| x.id() == a))
    }

    /// The top block with the siblings that continue the article (split
    /// containers, loose paragraphs, and the headings, lists and short
    /// lines between two of them).
    fn with_siblings(
        &self,
        top_id: NodeId,
        top_score: f64,
        scores: &IdMap<f64>,
    ) -> Option<Vec<NodeRef<'_, Node>>> {
        let top = self.doc.tree.get(top_id)?;
        let Some(parent) = top.parent().filter(|p| tag(p) != Some("html")) else {
            return Some(vec![top]);
        };
        let threshold = (top_score * 0.2).max(10.0);
        let top_class = ElementRef::wrap(top).and_then(|e| e.value().attr("class"));
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
            if info.skip
                || info.text == 0
                || introduced_by_boilerplate(&sib)
                || lists::is_teaser_list(&sib)
            {
                continue;
            }
            let mut s = self.final_score(scores, sib.id());
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
        let first = sibs.iter().position(|s| s.1);
        let last = sibs.iter().rposition(|s| s.1);
        let mut parts = Vec::new();
        if let (Some(first), Some(last)) = (first, last) {
            for (i, (node, append, filler)) in sibs.into_iter().enumerate() {
                if append || (filler && i > first && i < last) {
                    parts.push(node);
                }
            }
        }
        Some(parts)
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
        let a = Analysis::new(
            &doc,
            &SiteRules::default(),
            None,
            None,
            &Template::default(),
        );
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
