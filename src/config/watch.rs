//! `[[watch]]`: each watch checked with file, line and key — a unique name
//! fit for URLs, a query in the search syntax, places of the gazetteer,
//! feeds of this file, languages, http(s) endpoints, a digest period.

use std::collections::HashSet;

use toml::Spanned;
use url::Url;

use super::validate::Validator;
use super::*;

impl Validator<'_> {
    pub(super) fn check_watches(
        &mut self,
        raw: Vec<RawWatch>,
        feeds: &[FeedConfig],
    ) -> Vec<WatchConfig> {
        let mut out = Vec::new();
        let mut names = HashSet::new();
        for (i, w) in raw.into_iter().enumerate() {
            let key = |k: &str| format!("watch[{}].{k}", i + 1);
            let Some(name) = self.watch_name(&w, &key("name"), &mut names) else {
                continue;
            };
            let kind = match w.kind.as_ref().map(|k| (k, k.get_ref().as_str())) {
                None | Some((_, "articles")) => WatchKind::Articles,
                Some((_, "silence")) => WatchKind::Silence,
                Some((k, other)) => {
                    let msg = format!("{other:?}: write \"articles\" or \"silence\"");
                    self.error(k.span(), &key("kind"), msg);
                    continue;
                }
            };
            let mut watch = self.watch_selectors(&w, &key, feeds, name, kind);
            watch.webhook = w
                .webhook
                .as_ref()
                .and_then(|u| self.endpoint(u, &key("webhook")));
            watch.ntfy = w.ntfy.as_ref().and_then(|u| self.endpoint(u, &key("ntfy")));
            watch.digest = w
                .digest
                .as_ref()
                .and_then(|d| self.duration(d, &key("digest")));
            watch.secret = w.secret.as_ref().map(|s| s.get_ref().clone());
            if let (Some(s), None) = (&w.secret, &w.webhook) {
                let msg = "a secret signs webhook deliveries: set webhook too";
                self.error(s.span(), &key("secret"), msg);
            }
            // written, valid or not (an invalid one has its own message)
            let selects = w.query.is_some()
                || !w.places.is_empty()
                || !w.feeds.is_empty()
                || !w.lang.is_empty();
            if kind == WatchKind::Articles && !selects {
                let msg = "an articles watch needs a query, places, feeds or lang";
                self.error(w.name.span(), &key("query"), msg);
            }
            out.push(watch);
        }
        out
    }

    /// A watch's name: fit for URLs, used once.
    fn watch_name(
        &mut self,
        w: &RawWatch,
        key: &str,
        names: &mut HashSet<String>,
    ) -> Option<String> {
        let name = w.name.get_ref().trim().to_string();
        let fit = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !fit {
            let msg = format!(
                "{name:?}: write lowercase letters, digits, - or _ (it is used in URLs), at most 64"
            );
            self.error(w.name.span(), key, msg);
            return None;
        }
        if !names.insert(name.clone()) {
            let msg = format!("{name:?} is already the name of a watch");
            self.error(w.name.span(), key, msg);
            return None;
        }
        Some(name)
    }

    /// What a watch selects: the query, places, feeds, languages (no
    /// endpoints yet).
    fn watch_selectors(
        &mut self,
        w: &RawWatch,
        key: &dyn Fn(&str) -> String,
        feeds: &[FeedConfig],
        name: String,
        kind: WatchKind,
    ) -> WatchConfig {
        let query = w.query.as_ref().and_then(|q| {
            let fts = crate::search::fts_query(q.get_ref());
            if fts.is_none() {
                let msg = format!("nothing to search for in {:?}", q.get_ref());
                self.error(q.span(), &key("query"), msg);
            }
            fts.map(|f| (q.get_ref().clone(), f))
        });
        let mut places = Vec::new();
        for p in &w.places {
            match crate::places::lookup(p.get_ref()) {
                Some(place) => places.push(place.id.clone()),
                None => {
                    let msg = format!(
                        "no place named {:?} in the gazetteer (data/places.csv)",
                        p.get_ref()
                    );
                    self.error(p.span(), &key("places"), msg)
                }
            }
        }
        let mut feed_names = Vec::new();
        for f in &w.feeds {
            if feeds.iter().any(|c| &c.name == f.get_ref()) {
                feed_names.push(f.get_ref().clone());
            } else {
                let msg = format!("no [[feed]] named {:?}", f.get_ref());
                self.error(f.span(), &key("feeds"), msg);
            }
        }
        WatchConfig {
            name,
            kind,
            query,
            places,
            feeds: feed_names,
            lang: w
                .lang
                .iter()
                .map(|l| l.get_ref().trim().to_ascii_lowercase())
                .collect(),
            webhook: None,
            secret: None,
            ntfy: None,
            digest: None,
        }
    }

    /// An http(s) URL (the operator's own endpoint: no address guard).
    fn endpoint(&mut self, u: &Spanned<String>, key: &str) -> Option<Url> {
        match Url::parse(u.get_ref().trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(url)
            }
            _ => {
                self.error(
                    u.span(),
                    key,
                    format!("{:?} is not an http(s) URL", u.get_ref()),
                );
                None
            }
        }
    }
}
