//! POSTs to the operator's own endpoints (webhooks, ntfy): its own small
//! client, without the address guard (the operator names these URLs; an
//! endpoint on the local network is normal), bounded in time and in the
//! answer read, no redirects followed.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use url::Url;

use super::FetchError;

/// Longest a delivery may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// Most of an answer read (it is only looked at for its status).
const MAX_ANSWER: usize = 64 * 1024;

/// The client deliveries use.
pub struct Poster {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    user_agent: HeaderValue,
}

impl Poster {
    pub fn new(user_agent: &str) -> Result<Poster, FetchError> {
        let client_error = |detail: String| FetchError::Client { detail };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(POST_TIMEOUT));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_platform_verifier(provider)
            .map_err(|e| client_error(format!("cannot set up TLS: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Poster {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(1)
                .build(https),
            user_agent: HeaderValue::from_str(user_agent)
                .map_err(|e| client_error(format!("bad user agent: {e}")))?,
        })
    }

    /// POSTs `body` with `headers`; the answer's status.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<u16, FetchError> {
        let shown = url.to_string();
        let mut req = http::Request::post(url.as_str())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| FetchError::Other {
                url: shown.clone(),
                detail: e.to_string(),
            })?;
        let h = req.headers_mut();
        h.insert(http::header::USER_AGENT, self.user_agent.clone());
        for (k, v) in headers {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.insert(HeaderName::from_static(k), v);
            }
        }
        let send = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| FetchError::Connect {
                    url: shown.clone(),
                    detail: e.to_string(),
                })?;
            let status = resp.status().as_u16();
            // read (a bounded part of) the answer so the connection is reusable
            let mut body = resp.into_body();
            let mut read = 0;
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(f) => {
                        read += f.data_ref().map_or(0, |d| d.len());
                        if read > MAX_ANSWER {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
            Ok(status)
        };
        match tokio::time::timeout(POST_TIMEOUT, send).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout { url: shown }),
        }
    }
}
