//! The daemon (`rasad run`): polls every feed when it is due, until told to stop.
//!
//! Owns: the run loop — per-feed due times from [`crate::scheduler`],
//! local-outage detection (every feed failing with network errors at once
//! is the local network, not the feeds: nobody's backoff grows), SIGHUP
//! reloads (an invalid file keeps the old config running), systemd
//! notifications (READY, STATUS, WATCHDOG while the loop and the database
//! are healthy, RELOADING, STOPPING), and the shutdown sequence: stop
//! starting work, let in-flight feeds finish within a bound, checkpoint the
//! WAL, return.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::config::{Config, FeedConfig};
use crate::fetch::Fetcher;
use crate::notify::Notifier;
use crate::pipeline::{FeedOutcome, FeedReport, Pipeline};
use crate::scheduler::{self, Schedule};

/// How long in-flight feeds may run after a stop is requested.
pub const STOP_GRACE: Duration = Duration::from_secs(10);
/// Retry delay for every feed while the local network seems down.
pub const OUTAGE_RETRY: Duration = Duration::from_secs(60);
/// Network failures in a row, with no success between, that mean an outage.
const OUTAGE_FAILURES: usize = 3;

struct FeedState {
    config: FeedConfig,
    id: i64,
    schedule: Schedule,
    due: Instant,
    running: bool,
    /// The running pass, to stop when the feed leaves the file.
    task: Option<tokio::task::AbortHandle>,
}

/// Counts feeds for the STATUS line.
#[derive(Default)]
struct Health {
    ok: HashSet<String>,
    failing: HashSet<String>,
}

/// What the loop is told from outside.
pub struct Control {
    /// SIGHUP: reload the config file.
    pub reload: mpsc::Receiver<()>,
}

/// Why the daemon could not start or apply a new configuration.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
}

/// The loop's state: the feeds, their tasks, and what they tell together.
struct Daemon {
    config_path: PathBuf,
    pipeline: Arc<Pipeline>,
    feeds: HashMap<String, FeedState>,
    tasks: tokio::task::JoinSet<(String, FeedReport)>,
    health: Health,
    /// Network failures in a row, over all feeds.
    network_failures: usize,
    /// Whether the local network is down (every feed failing at once).
    outage: bool,
    notifier: Notifier,
    /// The client of deliveries (none when it could not be set up).
    poster: Option<Arc<crate::fetch::Poster>>,
    /// The delivery pass running, if one is: never more than one, never
    /// in the way of polling.
    delivering: Option<tokio::task::JoinHandle<()>>,
    /// Feed passes ended since memory was last handed back.
    passes_since_trim: usize,
    /// When the STATUS line was last sent.
    status_sent: Option<Instant>,
    /// The earliest due time of the feeds not running, when known: until
    /// then no feed is looked at. `None` after a reload or a crash: every
    /// feed is walked once and `queue` made again.
    next_due: Option<Instant>,
    /// Feeds by due time (an entry whose feed is running or due at another
    /// time is stale and skipped): starting the due ones costs their
    /// number, not the number of feeds.
    queue: BTreeSet<(Instant, String)>,
    /// Schedules not yet stored: (feed id, next poll, disabled).
    schedules: Vec<(i64, DateTime<Utc>, bool)>,
}

/// Most schedules held before they are stored (else each second).
const SCHEDULES_HELD: usize = 256;

/// How often due deliveries are looked for.
const DELIVERY_TICK: Duration = Duration::from_secs(1);

/// How often the STATUS line follows the passes at most.
const STATUS_EVERY: Duration = Duration::from_secs(5);

/// How often the memory that feed passes freed is handed back to the
/// system (when any pass ended since).
const TRIM_EVERY: Duration = Duration::from_secs(30);

/// Runs until `shutdown` completes.
pub async fn run(
    config_path: PathBuf,
    pipeline: Arc<Pipeline>,
    shutdown: impl Future<Output = ()>,
    mut control: Control,
    notifier: Notifier,
) -> Result<(), DaemonError> {
    let mut feeds: HashMap<String, FeedState> = HashMap::new();
    add_feeds(&pipeline, &mut feeds, &pipeline.config.feeds.clone()).await?;
    let mut watchdog = notifier.watchdog_interval().map(tokio::time::interval);
    let mut d = Daemon {
        config_path,
        pipeline,
        feeds,
        tasks: tokio::task::JoinSet::new(),
        health: Health::default(),
        network_failures: 0,
        outage: false,
        notifier,
        poster: None,
        delivering: None,
        passes_since_trim: 0,
        status_sent: None,
        next_due: None,
        queue: BTreeSet::new(),
        schedules: Vec::new(),
    };
    d.poster = match crate::fetch::Poster::new(&d.pipeline.config.fetch.user_agent) {
        Ok(p) => Some(Arc::new(p)),
        Err(e) => {
            error!(error = %e, "deliveries cannot be sent");
            None
        }
    };
    let mut deliveries = tokio::time::interval(DELIVERY_TICK);
    let mut trim = tokio::time::interval(TRIM_EVERY);
    trim.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    d.notifier
        .ready(&format!("polling {} feeds", d.feeds.len()));
    info!(feeds = d.feeds.len(), "daemon started");
    tokio::pin!(shutdown);
    loop {
        let next_wake = d.start_due();
        tokio::select! {
            _ = &mut shutdown => break,
            Some(()) = control.reload.recv() => d.reload_config().await,
            Some(done) = d.tasks.join_next(), if !d.tasks.is_empty() => match done {
                Ok((name, report)) => d.finished(name, report).await,
                Err(e) if e.is_cancelled() => {}
                Err(e) => d.crashed(e),
            },
            _ = async {
                match watchdog.as_mut() {
                    Some(w) => { w.tick().await; }
                    None => std::future::pending::<()>().await,
                }
            } => d.watchdog().await,
            _ = deliveries.tick() => {
                d.deliver();
                d.write_schedules().await;
            }
            _ = trim.tick() => d.trim(),
            _ = tokio::time::sleep_until(next_wake) => {}
        }
    }
    d.stop().await;
    Ok(())
}

impl Daemon {
    /// Hands the memory freed by the passes since the last time back to
    /// the system, off the async threads.
    fn trim(&mut self) {
        if std::mem::take(&mut self.passes_since_trim) > 0 {
            tokio::task::spawn_blocking(crate::memory::release_free_memory);
        }
    }

    /// Starts every feed that is due and not running; returns when the next
    /// one will be.
    fn start_due(&mut self) -> Instant {
        let now = Instant::now();
        if let Some(next) = self.next_due.filter(|&t| now < t) {
            return next;
        }
        if self.next_due.is_none() {
            self.queue = self
                .feeds
                .iter()
                .filter(|(_, st)| !st.running)
                .map(|(name, st)| (st.due, name.clone()))
                .collect();
        }
        while let Some((due, name)) = self.queue.first().cloned() {
            if due > now {
                break;
            }
            self.queue.pop_first();
            let Some(st) = self.feeds.get_mut(&name) else {
                continue; // removed by a reload
            };
            if st.running || st.due != due {
                continue; // stale
            }
            st.running = true;
            let p = self.pipeline.clone();
            let f = st.config.clone();
            let id = st.id;
            st.task = Some(
                self.tasks
                    .spawn(async move { (name, p.poll_feed(&f, id).await) }),
            );
        }
        let next = self
            .queue
            .first()
            .map_or(now + Duration::from_secs(3600), |(due, _)| *due);
        self.next_due = Some(next);
        next
    }

    /// A feed's pass panicked: the feed is polled again after its interval
    /// (it never stays marked running, never polled again).
    fn crashed(&mut self, e: tokio::task::JoinError) {
        let id = e.id();
        let Some((name, st)) = self
            .feeds
            .iter_mut()
            .find(|(_, st)| st.task.as_ref().is_some_and(|t| t.id() == id))
        else {
            warn!(error = %e, "a feed task crashed");
            return;
        };
        error!(feed = %name, error = %e, "the feed's pass crashed; it is tried again after its interval");
        st.running = false;
        st.task = None;
        st.due = Instant::now() + st.config.interval;
        self.next_due = None;
    }

    /// SIGHUP: reads the file again; an invalid one keeps the old config.
    async fn reload_config(&mut self) {
        self.notifier.reloading();
        // feeds added or rescheduled: walk them all next time
        self.next_due = None;
        match Config::load(&self.config_path) {
            Ok(new) => match reload(&mut self.pipeline, &mut self.feeds, new).await {
                Ok(summary) => info!("{summary}"),
                Err(e) => {
                    error!(error = %e, "reload failed; the previous configuration keeps running")
                }
            },
            Err(e) => error!(
                "reload refused, {} is invalid; the previous configuration keeps running:\n{e}",
                self.config_path.display()
            ),
        }
        self.notifier.ready(&self.status_line().await);
    }

    /// Tracks network failures over all feeds: an outage is declared when
    /// every recent result is a network error, and ends with any success.
    fn track_network(&mut self, report: &FeedReport, failed: bool) {
        if report.signals.network_error {
            self.network_failures += 1;
        } else if !failed {
            self.network_failures = 0;
            if self.outage {
                self.outage = false;
                info!("the network is back; polling resumes normally");
            }
        }
        if self.network_failures >= OUTAGE_FAILURES.min(self.feeds.len().max(1)) && !self.outage {
            self.outage = true;
            error!("every feed fails with network errors: the local network or DNS seems down; retrying each minute without backing off");
        }
    }

    /// A feed's poll ended: schedule its next one and store what changed.
    async fn finished(&mut self, name: String, report: FeedReport) {
        self.passes_since_trim += 1;
        let failed = matches!(report.outcome, FeedOutcome::Failed(_));
        self.track_network(&report, failed);
        let outage = self.outage;
        let Some(st) = self.feeds.get_mut(&name) else {
            return; // removed by a reload
        };
        st.running = false;
        st.task = None;
        let delay = if outage && report.signals.network_error {
            OUTAGE_RETRY
        } else {
            let was_disabled = st.schedule.disabled;
            let d = st.schedule.next(
                &report.signals.schedule,
                report.signals.hint,
                scheduler::jitter(),
            );
            if st.schedule.disabled && !was_disabled {
                warn!(feed = %name, reason = ?report.outcome, "feed disabled (gone or repeatedly not found); it will still be tried once a day");
            }
            d
        };
        if let Some(to) = &report.signals.moved_to {
            warn!(feed = %name, from = %st.config.url, to = %to, "feed moved permanently; polling the new address (update feeds.toml)");
            st.config.url = to.clone();
            let (id, url) = (st.id, to.to_string());
            if let Err(e) = self
                .pipeline
                .with_store(move |s| s.update_feed_url(id, &url))
                .await
            {
                error!(feed = %name, error = %e, "cannot store the feed's new address");
            }
        }
        st.due = Instant::now() + delay;
        self.queue.insert((st.due, name.clone()));
        self.next_due = self.next_due.map(|t| t.min(st.due));
        let next = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        self.schedules.push((st.id, next, st.schedule.disabled));
        if self.schedules.len() >= SCHEDULES_HELD {
            self.write_schedules().await;
        }
        if failed {
            self.health.ok.remove(&name);
            self.health.failing.insert(name.clone());
        } else {
            self.health.failing.remove(&name);
            self.health.ok.insert(name.clone());
        }
        info!(feed = %name, next_in_secs = delay.as_secs(), "scheduled");
        // STATUS= is for a human reading `systemctl status`: sent only to a
        // systemd that listens, and at most every few seconds (counting it
        // walks every feed and the day's articles)
        let stale = self.status_sent.is_none_or(|t| t.elapsed() >= STATUS_EVERY);
        if self.notifier.enabled() && stale {
            self.status_sent = Some(Instant::now());
            self.notifier.status(&self.status_line().await);
        }
    }

    /// Only a loop that gets here and a database that answers are healthy.
    async fn watchdog(&self) {
        if self.pipeline.with_store(|s| s.ping()).await.is_ok() {
            self.notifier.watchdog();
        } else {
            error!("database does not answer; withholding the watchdog ping");
        }
    }

    /// Stops starting work, lets in-flight feeds finish within the grace
    /// time, cancels the rest, checkpoints the WAL.
    /// Starts a delivery pass unless one is running.
    fn deliver(&mut self) {
        if self.delivering.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let Some(poster) = self.poster.clone() else {
            return;
        };
        let p = self.pipeline.clone();
        self.delivering = Some(tokio::spawn(async move {
            p.deliver_due(&poster).await;
        }));
    }

    /// Stores the schedules of the passes ended since the last time, in
    /// one visit (they are what `rasad feeds` shows; the daemon keeps its
    /// own).
    async fn write_schedules(&mut self) {
        if self.schedules.is_empty() {
            return;
        }
        let list = std::mem::take(&mut self.schedules);
        if let Err(e) = self
            .pipeline
            .with_store(move |s| s.set_schedules(&list))
            .await
        {
            error!(error = %e, "cannot store the feeds' schedules");
        }
    }

    async fn stop(mut self) {
        self.notifier.stopping();
        if let Some(t) = self.delivering.take() {
            // a delivery in flight ends within its own timeout; what was
            // not acknowledged is sent after the restart
            let abort = t.abort_handle();
            if tokio::time::timeout(STOP_GRACE, t).await.is_err() {
                abort.abort();
            }
        }
        info!(in_flight = self.tasks.len(), "stopping");
        let tasks = &mut self.tasks;
        let drained = tokio::time::timeout(STOP_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            warn!(
                "feeds still running after {}s were cancelled; everything committed before is kept",
                STOP_GRACE.as_secs()
            );
            self.tasks.abort_all();
            while self.tasks.join_next().await.is_some() {}
        }
        self.write_schedules().await;
        if let Err(e) = self.pipeline.with_store(|s| s.checkpoint()).await {
            warn!(error = %e, "WAL checkpoint failed (the WAL stays valid)");
        }
        info!("stopped");
    }

    async fn status_line(&self) -> String {
        status_line(&self.pipeline, &self.feeds, &self.health).await
    }
}

/// Registers feeds (rows in the store) and schedules them now.
async fn add_feeds(
    pipeline: &Arc<Pipeline>,
    feeds: &mut HashMap<String, FeedState>,
    list: &[FeedConfig],
) -> Result<(), DaemonError> {
    let ids = pipeline.sync_feeds(list).await?;
    let now = Instant::now();
    for f in list {
        let Some(&id) = ids.get(&f.name) else {
            continue;
        };
        feeds.insert(
            f.name.clone(),
            FeedState {
                config: f.clone(),
                id,
                schedule: Schedule::new(f.interval),
                due: now,
                running: false,
                task: None,
            },
        );
    }
    Ok(())
}

/// Applies a new config: added feeds start now, removed feeds stop (their
/// articles stay), changed feeds take their new settings; fetch settings
/// apply to requests started from now on.
async fn reload(
    pipeline: &mut Arc<Pipeline>,
    feeds: &mut HashMap<String, FeedState>,
    new: Config,
) -> Result<String, DaemonError> {
    if new.db.is_some() && new.db != pipeline.config.db {
        warn!("a changed `db` takes effect only after a restart");
    }
    let fetcher = Fetcher::new(&new.fetch)?;
    let new = Arc::new(new);
    *pipeline = Arc::new(Pipeline::new(
        new.clone(),
        Arc::new(fetcher),
        pipeline.store.clone(),
    ));
    // feed rows follow the new file (a changed URL shows in `rasad feeds`)
    pipeline.sync_feeds(&new.feeds).await?;
    let wanted: HashMap<&str, &FeedConfig> =
        new.feeds.iter().map(|f| (f.name.as_str(), f)).collect();
    let removed: Vec<String> = feeds
        .keys()
        .filter(|k| !wanted.contains_key(k.as_str()))
        .cloned()
        .collect();
    // a removed feed stops now: its pass in flight too (what it stored
    // stays; what it had not is not asked for)
    for name in &removed {
        if let Some(task) = feeds.remove(name).and_then(|st| st.task) {
            task.abort();
        }
    }
    let mut changed = 0;
    let mut added = Vec::new();
    for f in &new.feeds {
        match feeds.get_mut(&f.name) {
            Some(st) if st.config != *f => {
                if st.config.url != f.url || st.config.interval != f.interval {
                    st.schedule = Schedule::new(f.interval);
                    st.due = Instant::now();
                }
                st.config = f.clone();
                changed += 1;
            }
            Some(_) => {}
            None => added.push(f.clone()),
        }
    }
    let n_added = added.len();
    add_feeds(pipeline, feeds, &added).await?;
    Ok(format!(
        "configuration reloaded: {n_added} feeds added, {} removed, {changed} changed",
        removed.len()
    ))
}

async fn status_line(
    pipeline: &Arc<Pipeline>,
    feeds: &HashMap<String, FeedState>,
    health: &Health,
) -> String {
    let midnight = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or_else(Utc::now);
    let today = pipeline
        .with_store(move |s| s.count_articles_since(midnight))
        .await
        .unwrap_or(0);
    let failing = health
        .failing
        .iter()
        .filter(|n| feeds.contains_key(*n))
        .count();
    let ok = health.ok.iter().filter(|n| feeds.contains_key(*n)).count();
    format!(
        "{} feeds: {ok} ok, {failing} failing; {today} articles today",
        feeds.len()
    )
}
