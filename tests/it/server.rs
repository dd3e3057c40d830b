//! A real HTTP/1.1 server on a loopback address for the tests: serves
//! fixed routes (optionally after a delay), answers conditional GETs with
//! 304, logs every request, and counts connections and requests in flight.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// One canned response.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Option<std::time::Duration>,
}

impl Route {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: None,
        }
    }

    pub fn status(status: u16) -> Route {
        Route {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: format!("status {status}").into_bytes(),
            delay: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delay(mut self, d: std::time::Duration) -> Route {
        self.delay = Some(d);
        self
    }
}

/// What the server saw.
#[derive(Clone, Debug)]
pub struct Logged {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub status: u16,
    pub at: std::time::Instant,
}

pub struct TestServer {
    pub addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    log: Arc<Mutex<Vec<Logged>>>,
    counts: Arc<Mutex<Counts>>,
}

/// Connections and requests the server saw at once, and in all.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub open: usize,
    pub max_open: usize,
    pub connections: usize,
    pub in_flight: usize,
    pub max_in_flight: usize,
}

impl TestServer {
    /// Starts a server on `ip`, port 0, in a thread of its own.
    pub fn start(ip: &str) -> TestServer {
        let ip: IpAddr = ip.parse().expect("test ip");
        let routes: Arc<Mutex<HashMap<String, Route>>> = Arc::default();
        let log: Arc<Mutex<Vec<Logged>>> = Arc::default();
        let listener = std::net::TcpListener::bind((ip, 0)).expect("bind test server");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (r, l) = (routes.clone(), log.clone());
        let counts: Arc<Mutex<Counts>> = Arc::default();
        let c = counts.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let (r, l, c) = (r.clone(), l.clone(), c.clone());
                    {
                        let mut n = c.lock().expect("counts");
                        n.open += 1;
                        n.connections += 1;
                        n.max_open = n.max_open.max(n.open);
                    }
                    tokio::spawn(async move {
                        let c2 = c.clone();
                        let svc = hyper::service::service_fn(move |req| {
                            let (r, l, c) = (r.clone(), l.clone(), c2.clone());
                            async move {
                                {
                                    let mut n = c.lock().expect("counts");
                                    n.in_flight += 1;
                                    n.max_in_flight = n.max_in_flight.max(n.in_flight);
                                }
                                let (resp, delay) = answer(req, &r, &l);
                                if let Some(d) = delay {
                                    tokio::time::sleep(d).await;
                                }
                                c.lock().expect("counts").in_flight -= 1;
                                Ok::<_, Infallible>(resp)
                            }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                        c.lock().expect("counts").open -= 1;
                    });
                }
            });
        });
        TestServer {
            addr,
            routes,
            log,
            counts,
        }
    }

    pub fn counts(&self) -> Counts {
        *self.counts.lock().expect("counts")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.routes
            .lock()
            .expect("routes")
            .insert(path.to_string(), route);
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.log.lock().expect("log").clone()
    }

    pub fn requests_for(&self, path: &str) -> Vec<Logged> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

fn answer(
    req: Request<Incoming>,
    routes: &Mutex<HashMap<String, Route>>,
    log: &Mutex<Vec<Logged>>,
) -> (Response<Full<Bytes>>, Option<std::time::Duration>) {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    // Like real sites, ignore query strings no route asks for.
    let route = {
        let routes = routes.lock().expect("routes");
        routes
            .get(&path)
            .or_else(|| routes.get(req.uri().path()))
            .cloned()
    };
    let route = route.unwrap_or_else(|| Route::status(404));
    let find = |name: &str| {
        route
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let not_modified = route.status == 200
        && ((find("etag").is_some() && headers.get("if-none-match") == find("etag").as_ref())
            || (find("last-modified").is_some()
                && headers.get("if-modified-since") == find("last-modified").as_ref()));
    let status = if not_modified { 304 } else { route.status };
    log.lock().expect("log").push(Logged {
        path,
        headers,
        status,
        at: std::time::Instant::now(),
    });
    let mut resp = Response::builder().status(status);
    for (k, v) in &route.headers {
        resp = resp.header(k, v);
    }
    let body = if not_modified {
        Bytes::new()
    } else {
        Bytes::from(route.body)
    };
    (resp.body(Full::new(body)).expect("response"), route.delay)
}

/// A bare TCP listener that only counts connections, for addresses that
/// must never be contacted.
pub struct Tripwire {
    pub addr: SocketAddr,
    hits: Arc<Mutex<usize>>,
}

impl Tripwire {
    pub fn start(ip: &str) -> Tripwire {
        let listener = std::net::TcpListener::bind((ip, 0)).expect("bind tripwire");
        let addr = listener.local_addr().expect("addr");
        let hits: Arc<Mutex<usize>> = Arc::default();
        let h = hits.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if conn.is_ok() {
                    *h.lock().expect("hits") += 1;
                }
            }
        });
        Tripwire { addr, hits }
    }

    pub fn hits(&self) -> usize {
        *self.hits.lock().expect("hits")
    }
}
