//! The reader in a real browser: headless Chromium driven over
//! chromedriver (Debian packages `chromium` and `chromium-driver`; `.ci/run`
//! installs them). Screenshots go to `target/screenshots/`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

use super::reader::{fixture, serve};
use super::{EN1, P1};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver on a free loopback port.
fn chromedriver() -> (Driver, u16) {
    let bin = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_string)
        .or_else(|| std::env::var("CHROMEDRIVER").ok())
        .expect("chromedriver is missing: apt-get install chromium chromium-driver (.ci/run does)");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Driver(child), port)
}

fn screenshots() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots folder");
    dir
}

#[test]
fn browser_reads_each_paragraph_in_its_direction_and_searches_arabic() {
    let f = fixture("");
    let served = serve(f.dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    let base = format!("http://{}", served.addr);
    let (_driver, port) = chromedriver();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1200,1000", "--lang=en-US", "--no-proxy-server"]}),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let c = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        let shots = screenshots();

        // the front page
        c.goto(&format!("{base}/")).await.expect("front page");
        let story = c
            .find(Locator::LinkText("اشتباكات في ريف دير الزور والحسكة"))
            .await
            .expect("the Arabic story on the front page");
        std::fs::write(shots.join("front.png"), c.screenshot().await.expect("shot")).expect("write");

        // the story of the Arabic article with an English paragraph
        story.click().await.expect("open the story");
        c.wait().for_element(Locator::Css("article.body")).await.expect("the story's text");
        let dirs = c
            .execute(
                "return Array.from(document.querySelectorAll('article.body p')).map(p => [p.textContent, getComputedStyle(p).direction]);",
                vec![],
            )
            .await
            .expect("directions");
        let dirs: Vec<(String, String)> = serde_json::from_value(dirs).expect("pairs");
        let of = |start: &str| {
            dirs.iter()
                .find(|(t, _)| t.starts_with(start))
                .map(|(_, d)| d.clone())
                .unwrap_or_else(|| panic!("no paragraph {start:?} in {dirs:?}"))
        };
        assert_eq!(of(&P1[..30]), "rtl", "{dirs:?}");
        assert_eq!(of(&EN1[..30]), "ltr", "{dirs:?}");
        std::fs::write(shots.join("arabic-article.png"), c.screenshot().await.expect("shot")).expect("write");

        // «حسكة» typed in the search form finds الحسكة and بالحسكة
        c.goto(&format!("{base}/search")).await.expect("search page");
        let form = c.form(Locator::Css("form.filters")).await.expect("the search form");
        form.set_by_name("q", "حسكة").await.expect("type");
        form.submit().await.expect("submit");
        c.wait().for_element(Locator::Css("ol.list li")).await.expect("results");
        let titles: Vec<String> = {
            let mut t = Vec::new();
            for a in c.find_all(Locator::Css("ol.list a.title")).await.expect("results") {
                t.push(a.text().await.expect("title"));
            }
            t
        };
        assert!(titles.iter().any(|t| t == "ارتفاع الأسعار بالحسكة"), "{titles:?}");
        assert!(titles.iter().any(|t| t == "اشتباكات في ريف دير الزور والحسكة"), "{titles:?}");
        let marked = c.find(Locator::Css("ol.list mark")).await.expect("a marked match");
        // the marked word is a form of حسكة (الحسكة، بالحسكة …)
        let mark = marked.text().await.expect("mark");
        assert!(rasad::search::search_form(&mark).contains("حسكه"), "{mark:?}");
        std::fs::write(shots.join("search.png"), c.screenshot().await.expect("shot")).expect("write");

        // keyboard: j selects the first result
        c.execute("document.body.focus(); document.dispatchEvent(new KeyboardEvent('keydown', {key: 'j'}));", vec![])
            .await
            .expect("key");
        let selected = c.find_all(Locator::Css("ol.list li.selected")).await.expect("selected");
        assert_eq!(selected.len(), 1);
        c.close().await.expect("close");
    });
}
