//! Rendering the chosen block: a walk that writes blocks and inline markup,
//! with conditional cleaning of lists, tables and forms that look like
//! boilerplate, and the plain text of a fragment.

use ego_tree::iter::Edge;
use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};

use super::classes::class_hint;
use super::{tag, Analysis, Info};
use crate::extract::collapse_ws;
use crate::extract::hints::*;
use crate::extract::render::{is_boilerplate_line, Body, Writer};

impl Analysis<'_> {
    /// Text under an element chosen by a site rule: only skipped elements and
    /// boilerplate lines are dropped.
    pub fn render_rule(&self, root: ElementRef) -> Body {
        let mut w = Writer::new(self.base);
        self.walk(*root, true, false, &mut w);
        w.finish(None)
    }

    /// Writes the blocks under `root`; `is_root` keeps the node itself even
    /// if conditional cleaning would drop it.
    pub(super) fn walk(
        &self,
        root: NodeRef<Node>,
        is_root: bool,
        conditional: bool,
        w: &mut Writer,
    ) {
        let mut skip_depth = 0usize;
        let root_text = self.get(root.id()).text;
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
                                && self.clean_conditionally(&node, e.name(), &info, root_text));
                        if drop {
                            skip_depth = 1;
                            continue;
                        }
                        let name = e.name();
                        if name == "br" {
                            w.line_break();
                        } else if is_block_tag(name) {
                            w.open_block(name, e.attr("lang").or(e.attr("xml:lang")));
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
    fn clean_conditionally(
        &self,
        node: &NodeRef<Node>,
        name: &str,
        info: &Info,
        root_text: u32,
    ) -> bool {
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
                // a box of teasers inside the article; a list that is most
                // of the chosen block is the article (a roundup of deals)
                if info.text * 2 < root_text && super::lists::is_teaser_list(node) {
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
pub(super) fn introduced_by_boilerplate(node: &NodeRef<Node>) -> bool {
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

/// Text of a whole (fragment) document without any cleaning but scripts and styles.
pub(in crate::extract) fn render_plain(doc: &Html) -> String {
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
    crate::extract::collapse_lines(&out)
}
