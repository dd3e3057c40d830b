//! Word lists the extractor judges elements and lines by: class/id hints,
//! tags, and boilerplate phrases in Arabic, Kurdish, English and other
//! languages. Data only.

/// Elements never part of an article body.
pub fn is_skip_tag(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "canvas"
            | "nav"
            | "footer"
            | "aside"
            | "figcaption"
            | "iframe"
            | "button"
            | "select"
            | "input"
            | "textarea"
            | "menu"
            | "object"
            | "embed"
            | "head"
            | "title"
            | "meta"
            | "link"
            | "video"
            | "audio"
            | "map"
            | "dialog"
            | "label"
            | "option"
    )
}

/// Elements that start a new line in the text.
pub fn is_block_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "table"
            | "tr"
            | "section"
            | "article"
            | "header"
            | "dd"
            | "dt"
            | "dl"
            | "hr"
            | "main"
            | "figcaption"
            | "figure"
            | "address"
            | "td"
            | "th"
            | "center"
            | "details"
            | "summary"
            | "caption"
    )
}

/// Tags that hold a paragraph of text on their own.
pub fn is_paragraph_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "pre" | "blockquote" | "td" | "dd" | "li" | "h2" | "h3"
    )
}

/// class/id fragments that always mark non-article blocks (comments, share
/// bars, related links), even when the token also looks like content
/// (`comment-content`). Matched by containment in each lowercase token.
pub const HARD_NEGATIVE: &[&str] = &[
    "share",
    "sharing",
    "sharedaddy",
    "social",
    "related",
    "relatedposts",
    "yarpp",
    "outbrain",
    "taboola",
    "newsletter",
    "subscribe",
    "breadcrumb",
    "cookie",
    "popup",
    "modal",
    "sidebar",
    "advert",
    "sponsor",
    "read-more",
    "readmore",
    "more-stories",
    "recommend",
    "most-read",
    "mostread",
    "most-popular",
    "trending",
    "signup",
    "login",
    "pagination",
    "pager",
    "post-nav",
    "next-post",
    "prev-post",
    "jp-",
    "addtoany",
    "a2a",
    "sociable",
    "shariff",
];

/// class/id fragments of comment sections, removed whatever their size.
pub const COMMENT_HINTS: &[&str] = &["comment", "disqus", "respond", "reply", "replies"];

/// class/id fragments of blocks that are usually not article text, unless
/// the same element also carries a positive hint. Matched by containment.
pub const NEGATIVE_HINTS: &[&str] = &[
    "widget",
    "footer",
    "header",
    "masthead",
    "banner",
    "byline",
    "author",
    "dateline",
    "timestamp",
    "post-date",
    "entry-date",
    "published",
    "post-meta",
    "entry-meta",
    "article-meta",
    "caption",
    "credit",
    "copyright",
    "donate",
    "toolbar",
    "rating",
    "navigation",
    "navbar",
    "menu",
    "promo",
    "tag-list",
    "taglist",
    "print",
    "skip",
    "breaking",
    "topbar",
    "top-bar",
    "subscription",
    "adsbygoogle",
    "banner",
    "byline",
];

/// class/id tokens that are negative only as whole tokens (as fragments
/// they are too common: `ads` in `heads`, `nav` in `canvas`).
pub const NEGATIVE_TOKENS: &[&str] = &[
    "ad", "ads", "nav", "tags", "tag", "meta", "date", "time", "hidden", "hide", "extra", "aside",
    "links", "follow", "cta", "icons", "buttons", "tools",
];

/// Hints strong enough to keep a block that also has a hard negative hint
/// (`entry-content entry-content-read-more`).
pub const STRONG_POSITIVE: &[&str] = &[
    "content",
    "article-body",
    "articlebody",
    "entry-body",
    "post-body",
    "story-body",
    "article-text",
    "post-text",
    "entry-text",
    "embed",
];

/// Hints that a block is the article (containment).
pub const POSITIVE_HINTS: &[&str] = &[
    "article",
    "body",
    "content",
    "entry",
    "main",
    "post",
    "story",
    "text",
    "blog",
    "hentry",
    "single",
    "detail",
    "prose",
    "markdown",
    "richtext",
    "rich-text",
    "field-item",
    "td-post",
    "embed",
];

/// Whole lines (lowercase, without trailing punctuation) that are boilerplate.
pub const BOILERPLATE_EXACT: &[&str] = &[
    "don't miss",
    "must read",
    "most read",
    "trending",
    "advert",
    "advertisement",
    "ad",
    "sponsored",
    "comments",
    "comment",
    "tags",
    "share",
    "share this",
    "related",
    "print",
    "email",
    "tweet",
    "whatsapp",
    "facebook",
    "twitter",
    "إعلان",
    "شارك",
    "الوسوم",
    "تعليقات",
    "reklam",
    "reklam",
];

/// Lines that are boilerplate wherever they appear (checked at line start,
/// on short lines only).
pub const BOILERPLATE_LINES: &[&str] = &[
    "التعليقات مغلقة",
    "اقرأ أيضا",
    "اقرأ أيضاً",
    "إقرأ أيضا",
    "إقرأ أيضاً",
    "اقرأ المزيد",
    "اقرأ ايضا",
    "شارك هذا",
    "شارك المقال",
    "شارك الخبر",
    "تابعونا على",
    "تابعوا",
    "جميع الحقوق محفوظة",
    "حقوق النشر",
    "مواضيع ذات صلة",
    "أخبار ذات صلة",
    "الوسوم",
    "كلمات مفتاحية",
    "Comments are closed",
    "Read also",
    "Read more",
    "Also read",
    "Share this",
    "Share on",
    "All rights reserved",
    "Related:",
    "Related articles",
    "Related posts",
    "Related stories",
    "Tags:",
    "Click here to",
    "Sign up for",
    "Subscribe to",
    "Follow us",
    "Advertisement",
    "You may also like",
    "You might also like",
    "More from",
    "More on this",
    "Recommended for you",
    "Você pode gostar",
    "Veja também",
    "Leia também",
    "Leia mais",
    "Lea también",
    "Lesen Sie auch",
    "Mehr zum Thema",
    "Leggi anche",
    "Potrebbe interessarti",
    "Lire aussi",
    "À lire aussi",
    "Читайте также",
    "Читайте также:",
    "Baca juga",
    "関連記事",
    "관련기사",
    "Bixwîne",
    "Herwiha bixwînin",
    "Parve bike",
    "هەروەها بخوێنەوە",
];

/// Phrases of promotions and photo credits, judged only on short lines at
/// the start or end of a body (lowercase).
pub const EDGE_JUNK: &[&str] = &[
    "sign up",
    "subscri",
    "©",
    "(c) ",
    "newsletter",
    "follow us",
    "follow him",
    "follow her",
    "follow me",
    "click here",
    "requires javascript",
    "join our",
    "let us know",
    "tell us what",
    "getty images",
    "| reuters",
    "/ reuters",
    "| afp",
    "/ afp",
    "photo:",
    "image:",
    "credit:",
    "photograph:",
    "delivered to your inbox",
    "download our app",
    "اشترك",
    "تابعونا",
    "للاشتراك",
    "النشرة البريدية",
    "تابعوا",
    "حمّل تطبيق",
    "bibe abone",
    "me bişopînin",
    "comentários",
    "comentarios",
    "commentaires",
    "kommentare",
];
