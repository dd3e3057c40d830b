//! systemd's notification protocol (`sd_notify`), without libsystemd.
//!
//! Owns: sending `READY=1`, `STATUS=…`, `WATCHDOG=1`, `RELOADING=1`,
//! `STOPPING=1` to `$NOTIFY_SOCKET` (a path or an abstract socket), and the
//! watchdog interval from `$WATCHDOG_USEC`. Without `$NOTIFY_SOCKET` every
//! call does nothing.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// A connection to the service manager, if there is one.
pub struct Notifier {
    socket: Option<(UnixDatagram, std::os::unix::net::SocketAddr)>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// From the values of `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and
    /// `$WATCHDOG_PID` (read by main: the library reads no environment).
    pub fn new(
        notify_socket: Option<std::ffi::OsString>,
        watchdog_usec: Option<String>,
        watchdog_pid: Option<String>,
    ) -> Notifier {
        let socket = notify_socket.and_then(|path| {
            let path = path.to_string_lossy().into_owned();
            let addr = if let Some(name) = path.strip_prefix('@') {
                abstract_addr(name)?
            } else {
                std::os::unix::net::SocketAddr::from_pathname(&path).ok()?
            };
            let sock = UnixDatagram::unbound().ok()?;
            Some((sock, addr))
        });
        let pid_ok = watchdog_pid.is_none_or(|p| p.trim() == std::process::id().to_string());
        let watchdog = watchdog_usec
            .and_then(|u| u.trim().parse::<u64>().ok())
            .filter(|&u| u > 0 && pid_ok)
            .map(|u| Duration::from_micros(u) / 2);
        Notifier { socket, watchdog }
    }

    /// True when a service manager listens.
    pub fn enabled(&self) -> bool {
        self.socket.is_some()
    }

    /// How often to send `WATCHDOG=1` (half the configured timeout).
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog.filter(|_| self.enabled())
    }

    /// Sends one message (`KEY=value` lines). Errors are ignored: the
    /// service manager going away must not stop the daemon.
    pub fn send(&self, message: &str) {
        if let Some((sock, addr)) = &self.socket {
            let _ = sock.send_to_addr(message.as_bytes(), addr);
        }
    }

    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}", one_line(status)));
    }

    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    pub fn reloading(&self) {
        // systemd ≥ 253 wants the monotonic time with RELOADING=1
        let usec = monotonic_usec();
        self.send(&format!("RELOADING=1\nMONOTONIC_USEC={usec}"));
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1");
    }
}

fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

#[cfg(target_os = "linux")]
fn abstract_addr(name: &str) -> Option<std::os::unix::net::SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).ok()
}

#[cfg(not(target_os = "linux"))]
fn abstract_addr(_name: &str) -> Option<std::os::unix::net::SocketAddr> {
    None
}

fn monotonic_usec() -> u128 {
    // CLOCK_MONOTONIC is what systemd compares against; /proc/uptime is
    // the same clock, readable without libc.
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0, |secs| (secs * 1_000_000.0) as u128)
}
