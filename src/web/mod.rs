//! The reader: server-rendered pages, downloads and a JSON API over the
//! store, read-only.
//!
//! Owns: the router (`pages` for HTML, `api` for `/api/v1/`, `assets` for
//! the stylesheet and script under hashed names), the security layer
//! (`guard`: token or login cookie, CSP and the other headers), the reading
//! of query strings (`params`). Every request reads the database through a
//! small pool of connections on blocking threads; nothing a GET does
//! changes the database.

mod api;
mod assets;
mod guard;
mod html;
mod pages;
mod params;

use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::store::{Store, StoreError};

pub use params::BadParam;

/// Connections the reader keeps open to the database.
const POOL: usize = 4;

/// Longest a request may take, body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler shares.
pub struct Reader {
    stores: Vec<Store>,
    next: AtomicUsize,
    token: Option<String>,
}

/// Why a request got no page.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    BadRequest(#[from] BadParam),
    #[error("{0}")]
    NotFound(String),
    #[error("the database failed: {0}")]
    Store(#[from] StoreError),
    #[error("the request was cut short")]
    Internal,
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Store(_) | WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Store(e) = &self {
            tracing::error!(error = %e, "reader: database error");
        }
        (
            self.status(),
            html::error_page(self.status(), &self.to_string()),
        )
            .into_response()
    }
}

impl Reader {
    /// Opens `POOL` connections to the database at `path`.
    pub fn open(path: &Path, token: Option<String>) -> Result<Reader, StoreError> {
        let stores = (0..POOL)
            .map(|_| {
                let s = Store::open(path)?;
                s.only_read()?;
                Ok(s)
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Reader {
            stores,
            next: AtomicUsize::new(0),
            token,
        })
    }

    /// One of the connections, in turn.
    fn pick(&self) -> &Store {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.stores.len();
        &self.stores[i]
    }

    /// Runs `f` with one of the connections on a blocking thread.
    async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || f(me.pick()))
            .await
            .map_err(|_| WebError::Internal)?
    }
}

/// Every route of the reader.
pub fn router(reader: Arc<Reader>) -> Router {
    let app = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .merge(assets::routes())
        .fallback(|| async { WebError::NotFound("no such page".into()) })
        .with_state(Arc::clone(&reader));
    guard::layered(app, reader)
}

/// Serves the reader on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    reader: Arc<Reader>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(reader))
        .with_graceful_shutdown(shutdown)
        .await
}
