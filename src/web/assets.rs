//! The stylesheet and the script, built into the binary and served under
//! names carrying a hash of their bytes, so they are cached for good.

use std::sync::{Arc, OnceLock};

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use super::{Reader, WebError};

const CSS: &str = include_str!("static/app.css");
const JS: &str = include_str!("static/app.js");

struct Asset {
    name: String,
    body: &'static str,
    content_type: &'static str,
}

fn assets() -> &'static [Asset; 2] {
    static ALL: OnceLock<[Asset; 2]> = OnceLock::new();
    ALL.get_or_init(|| {
        let named = |stem: &str, ext: &str, body: &'static str, content_type| {
            let hash = crate::text::hex(&Sha256::digest(body.as_bytes()));
            Asset {
                name: format!("{stem}.{}.{ext}", &hash[..12]),
                body,
                content_type,
            }
        };
        [
            named("app", "css", CSS, "text/css; charset=utf-8"),
            named("app", "js", JS, "text/javascript; charset=utf-8"),
        ]
    })
}

/// The address of the stylesheet.
pub fn css_href() -> String {
    format!("/static/{}", assets()[0].name)
}

/// The address of the script.
pub fn js_href() -> String {
    format!("/static/{}", assets()[1].name)
}

pub fn routes() -> Router<Arc<Reader>> {
    Router::new().route("/static/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Result<Response, WebError> {
    let a = assets()
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| WebError::NotFound(format!("no asset {name:?}")))?;
    let mut res = a.body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(res)
}
