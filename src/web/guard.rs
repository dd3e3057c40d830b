//! The reader's security layer: the token (a bearer token, or the login
//! cookie derived from it), the headers every answer carries (a strict
//! CSP, nosniff, no referrer, no framing), a bound on time and on request
//! bodies, compression.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use sha2::{Digest, Sha256};

use super::{html, Reader, REQUEST_TIMEOUT};

/// The content security policy: nothing but the reader's own stylesheet,
/// script and forms; no inline code, no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Name of the login cookie.
const COOKIE: &str = "rasad_session";

/// Largest request body (the login form).
const MAX_BODY: usize = 16 * 1024;

/// `app` with the guard, the headers and the bounds around it.
pub fn layered(app: Router, reader: Arc<Reader>) -> Router {
    let login = Router::new()
        .route("/login", get(login_form).post(login))
        .with_state(Arc::clone(&reader));
    app.merge(login)
        .layer(middleware::from_fn_with_state(reader, require_token))
        .layer(middleware::from_fn(headers))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

/// The headers of every answer.
async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-cache");
    }
    res
}

/// The login cookie's value for `token`: a hash, so the cookie is not the
/// token itself.
fn session_of(token: &str) -> String {
    crate::text::hex(&Sha256::digest(
        format!("rasad-session\0{token}").as_bytes(),
    ))
}

/// Equal bytes, in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `req` carries the token (bearer) or the session cookie.
fn admitted(req: &Request, token: &str) -> bool {
    let h = req.headers();
    let bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same(t.trim().as_bytes(), token.as_bytes()));
    let session = session_of(token);
    let cookie = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && same(v.as_bytes(), session.as_bytes()));
    bearer || cookie
}

/// With a token configured, nothing but the login page and the assets
/// without it: pages redirect to the login, the API answers 401.
async fn require_token(State(reader): State<Arc<Reader>>, req: Request, next: Next) -> Response {
    let Some(token) = reader.token.as_deref() else {
        return next.run(req).await;
    };
    let path = req.uri().path();
    if path == "/login" || path.starts_with("/static/") || admitted(&req, token) {
        return next.run(req).await;
    }
    if path.starts_with("/api/") || req.method() != Method::GET {
        let mut res = (
            StatusCode::UNAUTHORIZED,
            axum::Json(
                serde_json::json!({"error": "a token is required (Authorization: Bearer …)"}),
            ),
        )
            .into_response();
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return res;
    }
    let back = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let target = format!(
        "/login?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &back)
            .finish()
    );
    Redirect::to(&target).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_login_goes_back_only_to_a_path_of_this_site() {
        use super::local_path;
        assert_eq!(local_path("/feeds?x=%D8%A7"), "/feeds?x=%D8%A7");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/a\r\nSet-Cookie: x",
            "/\\evil",
            "/حسكة",
            "",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
        assert_eq!(super::super::html::safe_href("javascript:alert(1)"), "#");
        assert_eq!(
            super::super::html::safe_href("https://npasyria.com/1"),
            "https://npasyria.com/1"
        );
    }
}

#[derive(serde::Deserialize)]
struct Login {
    token: String,
    #[serde(default)]
    next: String,
}

/// Only a path of this site: `/…`, never `//host` or a scheme, and only
/// visible ASCII (what a redirect header can carry; our own `next` is
/// percent-encoded).
fn local_path(next: &str) -> &str {
    let visible = next.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if visible && next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

async fn login_form(req: Request) -> Response {
    let next = req
        .uri()
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "next")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    html::login_page(local_path(&next), None).into_response()
}

async fn login(State(reader): State<Arc<Reader>>, Form(form): Form<Login>) -> Response {
    let next = local_path(&form.next).to_string();
    match reader.token.as_deref() {
        Some(token) if same(form.token.trim().as_bytes(), token.as_bytes()) => {
            let cookie = format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000",
                session_of(token)
            );
            let mut res = Redirect::to(&next).into_response();
            *res.status_mut() = StatusCode::SEE_OTHER;
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Some(_) => (
            StatusCode::UNAUTHORIZED,
            html::login_page(&next, Some("That is not the token.")),
        )
            .into_response(),
        None => Redirect::to(&next).into_response(),
    }
}
