//! Page metadata outside the body: title (og:title, the JSON-LD article's
//! headline, h1, `<title>`) without the site's name, author (meta tags,
//! JSON-LD, byline elements, `rel=author`) without "By"/«بقلم», dates or
//! handles, publication time, language, and the JSON-LD `articleBody` of
//! the article that is this page.

use scraper::{Html, Selector};
use url::Url;

use super::naming::{clean_author, clean_title};
use super::{collapse_ws, fragment_text};

/// Page metadata: title, author, date, language and JSON-LD body.
#[derive(Debug, Default)]
pub(super) struct Meta {
    pub(super) title: Option<String>,
    pub(super) author: Option<String>,
    pub(super) published: Option<String>,
    pub(super) lang: Option<String>,
    /// The `articleBody` of the JSON-LD article that is this page, with a
    /// check still to come: its text must agree with what the DOM shows.
    pub(super) ld_body: Option<String>,
}

impl Meta {
    pub(super) fn read(
        doc: &Html,
        json_ld: &[String],
        canonical: Option<&str>,
        url: Option<&Url>,
    ) -> Meta {
        let head = Head { doc };
        let og_title = head.meta(&["og:title", "twitter:title"]);
        let doc_title = head.texts("title").into_iter().next();
        let h1s = head.texts("h1");
        let site_name = head.meta(&["og:site_name", "application-name"]);
        // What this page is known as: its URLs and its titles.
        let page = PageIds::of(
            url,
            [canonical.map(str::to_string), head.meta(&["og:url"])],
            og_title.iter().chain(doc_title.iter()).chain(h1s.iter()),
        );
        let articles = LdArticle::collect(json_ld);
        // The JSON-LD article that is this page: by URL or id first, then
        // by headline. Another page's article (a widget, a "next article"
        // preload, a list) lends this page nothing.
        let this = articles
            .iter()
            .find(|a| a.has_id_of(&page, url))
            .or_else(|| articles.iter().find(|a| a.has_headline_of(&page)));
        // Without one, an article that names no page at all may still give
        // author and date when it is the only one.
        let anonymous = match articles.as_slice() {
            [only] if only.ids.is_empty() => Some(only),
            _ => None,
        };
        let headline = this.and_then(|a| a.headline.clone());
        let publisher = this.or(anonymous).and_then(|a| a.publisher.clone());
        let sites: Vec<&str> = [site_name.as_deref(), publisher.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let headlines: Vec<&str> = h1s
            .iter()
            .map(String::as_str)
            .chain(headline.as_deref())
            .collect();
        let others: Vec<&str> = og_title
            .iter()
            .chain(doc_title.iter())
            .map(String::as_str)
            .collect();
        let title = og_title
            .clone()
            .or_else(|| headline.clone())
            .or_else(|| {
                // an h1 the document title repeats is the headline without
                // the site's name
                let t = doc_title.as_deref()?;
                h1s.iter()
                    .find(|h| h.chars().count() >= 10 && t.contains(h.as_str()))
                    .cloned()
            })
            .or_else(|| doc_title.clone())
            .map(|t| clean_title(&t, &sites, (&headlines, &others), url))
            .filter(|t| !t.is_empty());
        let author = head
            .meta(&[
                "author",
                "article:author",
                "byl",
                "dc.creator",
                "sailthru.author",
            ])
            .and_then(|a| clean_author(&a))
            .or_else(|| {
                this.or(anonymous)
                    .and_then(|a| a.author.as_deref())
                    .and_then(clean_author)
            })
            .or_else(|| head.byline());
        let published = head
            .meta(&[
                "article:published_time",
                "og:published_time",
                "datePublished",
                "pubdate",
                "publishdate",
                "dc.date",
                "date",
            ])
            .or_else(|| this.or(anonymous).and_then(|a| a.published.clone()))
            .or_else(|| head.time_datetime());
        Meta {
            title,
            author,
            published,
            lang: head.lang(),
            ld_body: this
                .and_then(|a| a.body.as_deref())
                .map(fragment_text)
                .filter(|b| !b.is_empty()),
        }
    }
}

impl PageIds {
    /// The page's own URL and the ones it names (relative ones against it),
    /// with its titles, each in the form they are compared in.
    fn of<'t>(
        url: Option<&Url>,
        named: [Option<String>; 2],
        titles: impl Iterator<Item = &'t String>,
    ) -> PageIds {
        PageIds {
            urls: url
                .cloned()
                .into_iter()
                .chain(named.into_iter().flatten().filter_map(|u| match url {
                    Some(base) => base.join(&u).ok(),
                    None => Url::parse(&u).ok(),
                }))
                .map(|u| same_page_form(&u))
                .collect(),
            titles: titles
                .map(|t| crate::text::normalize(t))
                .filter(|t| !t.is_empty())
                .collect(),
        }
    }
}

/// What the document says of itself outside its body: meta tags, titles,
/// `lang`, `<time datetime>`.
struct Head<'a> {
    doc: &'a Html,
}

impl Head<'_> {
    /// The first non-empty `content` of a meta tag with one of `names`
    /// (as property, name or itemprop).
    fn meta(&self, names: &[&str]) -> Option<String> {
        let sel = Selector::parse("meta").ok()?;
        self.doc.select(&sel).find_map(|e| {
            let v = e.value();
            let key = v
                .attr("property")
                .or(v.attr("name"))
                .or(v.attr("itemprop"))?;
            if names.iter().any(|n| key.eq_ignore_ascii_case(n)) {
                v.attr("content").map(collapse_ws).filter(|c| !c.is_empty())
            } else {
                None
            }
        })
    }

    /// The texts of the first four elements matching `css`.
    fn texts(&self, css: &str) -> Vec<String> {
        let Ok(sel) = Selector::parse(css) else {
            return Vec::new();
        };
        self.doc
            .select(&sel)
            .map(|t| collapse_ws(&t.text().collect::<String>()))
            .filter(|t| !t.is_empty())
            .take(4)
            .collect()
    }

    fn lang(&self) -> Option<String> {
        let root = self.doc.root_element().value();
        root.attr("lang")
            .or(root.attr("xml:lang"))
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty() && l.len() <= 16)
            .or_else(|| self.meta(&["og:locale", "language", "content-language"]))
    }

    /// The author named by a byline element or an author link, cleaned.
    fn byline(&self) -> Option<String> {
        let sel = Selector::parse(
            "[rel~=author], [itemprop~=author], [class~=byline], [class~=author], \
             [class~=author-name], [class~=entry-author], [class~=article-author]",
        )
        .ok()?;
        self.doc
            .select(&sel)
            .take(8)
            .map(|e| e.text().collect::<String>())
            .filter(|t| t.chars().count() <= 200)
            .find_map(|t| clean_author(&t))
    }

    /// The first `<time datetime>` that holds at least a date.
    fn time_datetime(&self) -> Option<String> {
        let sel = Selector::parse("time[datetime]").ok()?;
        self.doc
            .select(&sel)
            .filter_map(|t| t.value().attr("datetime"))
            .map(str::trim)
            .find(|d| d.len() >= 10)
            .map(str::to_string)
    }
}

/// A URL reduced to what names a page: canonical form without the scheme.
fn same_page_form(u: &Url) -> String {
    let c = crate::dedup::canonical_url(u);
    let s = c.as_str();
    s.split_once("://").map_or(s, |(_, rest)| rest).to_string()
}

/// How this page is known: its URL forms and normalized titles.
struct PageIds {
    urls: Vec<String>,
    titles: Vec<String>,
}

/// One article-like object of the page's JSON-LD, with only its own fields.
#[derive(Debug, Default)]
struct LdArticle {
    /// `url`, `@id` and `mainEntityOfPage` values, as written.
    ids: Vec<String>,
    headline: Option<String>,
    body: Option<String>,
    author: Option<String>,
    published: Option<String>,
    /// The publisher's name.
    publisher: Option<String>,
}

/// Most JSON-LD objects read from one page.
const MAX_LD_ARTICLES: usize = 64;

impl LdArticle {
    fn collect(json_ld: &[String]) -> Vec<LdArticle> {
        let mut out = Vec::new();
        for raw in json_ld {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(raw.trim()) {
                Self::walk(&v, 0, &mut out);
            }
        }
        out
    }

    fn walk(v: &serde_json::Value, depth: usize, out: &mut Vec<LdArticle>) {
        use serde_json::Value;
        if depth > 8 || out.len() >= MAX_LD_ARTICLES {
            return;
        }
        match v {
            Value::Array(items) => items.iter().for_each(|i| Self::walk(i, depth + 1, out)),
            Value::Object(map) => {
                let s = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
                let typed = match map.get("@type") {
                    Some(Value::String(t)) => is_article_type(t),
                    Some(Value::Array(ts)) => {
                        ts.iter().filter_map(Value::as_str).any(is_article_type)
                    }
                    _ => false,
                };
                let body = s("articleBody").or_else(|| s("text").filter(|t| t.len() > 400));
                if typed || body.is_some() {
                    let mut ids: Vec<String> = ["url", "@id"].iter().filter_map(|k| s(k)).collect();
                    match map.get("mainEntityOfPage") {
                        Some(Value::String(u)) => ids.push(u.clone()),
                        Some(Value::Object(o)) => ids.extend(
                            ["@id", "url"]
                                .iter()
                                .filter_map(|k| o.get(*k).and_then(Value::as_str))
                                .map(str::to_string),
                        ),
                        _ => {}
                    }
                    out.push(LdArticle {
                        ids,
                        headline: s("headline").or_else(|| s("name")).map(|h| collapse_ws(&h)),
                        body,
                        author: ld_author(map.get("author")),
                        published: s("datePublished"),
                        publisher: map
                            .get("publisher")
                            .and_then(|p| p.get("name"))
                            .and_then(Value::as_str)
                            .map(collapse_ws)
                            .filter(|p| !p.is_empty()),
                    });
                }
                for (k, child) in map {
                    if matches!(child, Value::Object(_) | Value::Array(_)) && k != "author" {
                        Self::walk(child, depth + 1, out);
                    }
                }
            }
            _ => {}
        }
    }

    /// Names this page by one of its URLs (fragments such as `#article`
    /// on the page's own URL count).
    fn has_id_of(&self, page: &PageIds, base: Option<&Url>) -> bool {
        self.ids.iter().any(|id| {
            let parsed = match base {
                Some(b) => b.join(id).ok(),
                None => Url::parse(id).ok(),
            };
            parsed
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .is_some_and(|u| page.urls.contains(&same_page_form(&u)))
        })
    }

    /// Its headline is the page's title (or one contains the other, as a
    /// title with the site's name contains the headline).
    fn has_headline_of(&self, page: &PageIds) -> bool {
        let Some(h) = self.headline.as_deref().map(crate::text::normalize) else {
            return false;
        };
        if h.chars().count() < 4 {
            return false;
        }
        page.titles.iter().any(|t| {
            t == &h
                || (h.chars().count() >= 15 && t.contains(&h))
                || (t.chars().count() >= 15 && h.contains(t.as_str()))
        })
    }
}

fn is_article_type(t: &str) -> bool {
    let t = t.rsplit('/').next().unwrap_or(t);
    t.ends_with("Article") || matches!(t, "BlogPosting" | "Report" | "LiveBlogPosting" | "Posting")
}

fn ld_author(v: Option<&serde_json::Value>) -> Option<String> {
    use serde_json::Value;
    match v? {
        Value::String(a) => Some(a.clone()),
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
        Value::Array(a) => a.iter().find_map(|x| {
            x.get("name")
                .and_then(Value::as_str)
                .or(x.as_str())
                .map(str::to_string)
        }),
        _ => None,
    }
    .map(|a| collapse_ws(&a))
    .filter(|a| !a.is_empty())
}
