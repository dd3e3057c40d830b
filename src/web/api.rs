//! The JSON API under `/api/v1/`, with the export's field names, and the
//! downloads of any list (the export's own writers, streamed).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::pages::ranked;
use super::params::{self, Download, View};
use super::{Reader, WebError};
use crate::store::Filter;

/// Most rows in one download.
const MAX_DOWNLOAD: usize = 50_000;

pub fn routes() -> Router<Arc<Reader>> {
    Router::new()
        .route("/search", get(search))
        .route("/stories", get(stories))
        .route("/stories/{id}", get(story))
        .route("/articles/{id}", get(article))
        .route("/feeds", get(feeds))
        .fallback(|| async { ApiError(WebError::NotFound("no such API route".into())) })
}

/// An error as JSON: `{"error": "…"}` with the status.
pub struct ApiError(WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl From<params::BadParam> for ApiError {
    fn from(e: params::BadParam) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let WebError::Store(e) = &self.0 {
            tracing::error!(error = %e, "reader API: database error");
        }
        (self.0.status(), Json(json!({"error": self.0.to_string()}))).into_response()
    }
}

type Answer = Result<Json<Value>, ApiError>;

/// `GET /api/v1/search?q=…`: `{"results": [article + score + snippet]}`.
async fn search(State(r): State<Arc<Reader>>, RawQuery(q): RawQuery) -> Answer {
    let view = View::parse(q.as_deref(), chrono::Utc::now(), None, 20)?;
    let Some(query) = view.q.clone() else {
        return Err(WebError::BadRequest(params::BadParam {
            name: "q",
            message: "a search is required".into(),
        })
        .into());
    };
    let (rows, more) = r.read(move |s| ranked(s, &view)).await?;
    let results: Vec<Value> = rows
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                let snippet = crate::search::snippet(&a.text, &query, 30);
                o.insert("snippet".into(), Value::String(snippet));
            }
            v
        })
        .collect();
    Ok(Json(json!({"results": results, "more": more})))
}

/// `GET /api/v1/stories?since=24h`: `{"stories": [story]}` (the shape of
/// `export --stories`), the one seen last first.
async fn stories(State(r): State<Arc<Reader>>, RawQuery(q): RawQuery) -> Answer {
    let mut view = View::parse(q.as_deref(), chrono::Utc::now(), Some("24h"), 100)?;
    view.seen = true;
    let stories = r
        .read(move |s| {
            let ids = s.story_ids(&view.filter(), view.limit, view.offset())?;
            Ok(s.stories(&ids)?)
        })
        .await?;
    Ok(Json(json!({ "stories": stories })))
}

async fn story(State(r): State<Arc<Reader>>, Path(id): Path<String>) -> Answer {
    let id = params::id("story", &id)?;
    let story = r
        .read(move |s| {
            s.stories(&[id])?
                .pop()
                .ok_or_else(|| WebError::NotFound(format!("no story {id}")))
        })
        .await?;
    Ok(Json(serde_json::to_value(story).unwrap_or(Value::Null)))
}

/// `GET /api/v1/articles/{id}`: the export's fields and the body HTML.
async fn article(State(r): State<Arc<Reader>>, Path(id): Path<String>) -> Answer {
    let id = params::id("article", &id)?;
    let a = r
        .read(move |s| {
            s.article(id)?
                .ok_or_else(|| WebError::NotFound(format!("no article {id}")))
        })
        .await?;
    let mut v = serde_json::to_value(&a).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "html".into(),
            a.html.clone().map_or(Value::Null, Value::String),
        );
    }
    Ok(Json(v))
}

async fn feeds(State(r): State<Arc<Reader>>) -> Answer {
    let feeds = r.read(|s| Ok(s.feed_health()?)).await?;
    Ok(Json(json!({ "feeds": feeds })))
}

/// `std::io::Write` into a channel of chunks: the export's writers stream
/// into a response body, held back by a slow reader.
struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl std::io::Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

/// The articles of `filter` in format `d`, streamed as the store yields
/// them (the export's code), at most [`MAX_DOWNLOAD`].
pub(super) async fn download(
    r: &Arc<Reader>,
    mut filter: Filter,
    d: Download,
) -> Result<Response, WebError> {
    filter.limit = Some(filter.limit.unwrap_or(MAX_DOWNLOAD).min(MAX_DOWNLOAD));
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let reader = Arc::clone(r);
    tokio::task::spawn_blocking(move || {
        let mut w = ChunkWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        };
        let options = crate::export::Options {
            format: d.format(),
            excel: false,
            progress: false,
        };
        let done = crate::export::export(reader.pick(), &filter, &options, &mut w)
            .map_err(|e| e.to_string())
            .and_then(|_| std::io::Write::flush(&mut w).map_err(|e| e.to_string()));
        if let Err(e) = done {
            tracing::warn!(error = %e, "reader: a download was cut short");
            let _ = w.tx.blocking_send(Err(std::io::Error::other(e)));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(d.content_type()),
    );
    if d != Download::Atom {
        let name = format!("attachment; filename=\"rasad.{}\"", d.name());
        if let Ok(v) = HeaderValue::from_str(&name) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}
