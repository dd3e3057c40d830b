//! The page's headline element, and which candidates sit with it: the
//! article is the text under its headline, so a block that holds the
//! headline or follows it closely outweighs a longer block elsewhere
//! (a legal notice, a column of teasers) on pages with short articles.

use ego_tree::NodeId;
use scraper::{Html, Node};

use super::{tag, IdMap, Info};

/// Levels above the headline that still hold the article with it.
const UP: usize = 4;

/// Levels above the headline whose blocks count as holding it.
const HOLDS_UP: usize = 2;

/// The headline element and its nearest ancestors.
pub(super) struct Anchor {
    at: NodeId,
    /// The headline's length in characters.
    text: u32,
    /// The headline, then its ancestors up to [`UP`] levels.
    chain: Vec<NodeId>,
}

impl Anchor {
    /// Whether `id` holds the headline, or comes after it under one of its
    /// nearest ancestors.
    pub(super) fn holds(&self, doc: &Html, id: NodeId) -> bool {
        if let Some(level) = self.chain.iter().position(|&c| c == id) {
            // a wide container holds the headline and much else
            return level <= HOLDS_UP;
        }
        // node ids grow in document order (the parser creates nodes as it
        // reads them)
        if id < self.at {
            return false;
        }
        let mut cur = doc.tree.get(id).and_then(|n| n.parent());
        for _ in 0..UP {
            let Some(n) = cur else { return false };
            if self.chain.contains(&n.id()) {
                return true;
            }
            cur = n.parent();
        }
        false
    }

    /// The element that shows the page's title: a heading first, else any
    /// short element whose text is the title (or holds it, or is held by
    /// it, as a title with the site's name holds the headline).
    pub(super) fn find(
        doc: &Html,
        info: &IdMap<Info>,
        order: &[NodeId],
        title: Option<&str>,
    ) -> Option<Anchor> {
        let t = crate::text::normalize(title?);
        let t_len = t.chars().count();
        if t_len < 12 {
            return None;
        }
        let matches = |id: NodeId| -> bool {
            let info = info.get(&id).copied().unwrap_or_default();
            if info.skip || info.text < 10 || info.text as usize > 2 * t_len + 40 {
                return false;
            }
            let Some(e) = doc.tree.get(id).and_then(scraper::ElementRef::wrap) else {
                return false;
            };
            let text = crate::text::normalize(&e.text().collect::<String>());
            let n = text.chars().count();
            text == t || (n >= 12 && (t.contains(&text) || (text.contains(&t) && n <= 2 * t_len)))
        };
        let heading = |id: &NodeId| {
            doc.tree
                .get(*id)
                .and_then(|n| tag(&n))
                .is_some_and(|name| matches!(name, "h1" | "h2" | "h3"))
        };
        let at = order
            .iter()
            .copied()
            .filter(heading)
            .find(|&id| matches(id))
            .or_else(|| {
                order
                    .iter()
                    .copied()
                    .filter(|id| {
                        doc.tree
                            .get(*id)
                            .is_some_and(|n| matches!(n.value(), Node::Element(_)))
                    })
                    .find(|&id| matches(id))
            })?;
        let mut chain = vec![at];
        let mut cur = doc.tree.get(at).and_then(|n| n.parent());
        while let Some(n) = cur {
            if chain.len() > UP || matches!(tag(&n), Some("body" | "html") | None) {
                break;
            }
            chain.push(n.id());
            cur = n.parent();
        }
        let text = info.get(&at).map_or(0, |i| i.text);
        Some(Anchor { at, text, chain })
    }

    /// The headline's length in characters.
    pub(super) fn text(&self) -> u32 {
        self.text
    }

    /// Whether `id` is the headline or any of its ancestors.
    pub(super) fn within(&self, doc: &Html, id: NodeId) -> bool {
        doc.tree
            .get(self.at)
            .is_some_and(|n| n.ancestors().any(|a| a.id() == id))
            || id == self.at
    }

    /// Whether `id` is the headline or one of its nearest ancestors.
    pub(super) fn is_above(&self, id: NodeId) -> bool {
        self.chain.contains(&id)
    }
}
