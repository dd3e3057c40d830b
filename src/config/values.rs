//! Values written in the file: durations, sizes, networks; each refusal in
//! rasad's own words, saying what to write instead.

use std::time::Duration;

use ipnet::IpNet;

/// Why a value in the file cannot be used: rasad's own words, saying what
/// to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub String);

impl From<String> for BadValue {
    fn from(s: String) -> BadValue {
        BadValue(s)
    }
}

impl From<&str> for BadValue {
    fn from(s: &str) -> BadValue {
        BadValue(s.to_string())
    }
}

impl From<BadValue> for String {
    fn from(b: BadValue) -> String {
        b.0
    }
}

/// Parses durations such as `90s`, `15m`, `2h`, `1d`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, BadValue> {
    let text = s.trim();
    if text.is_empty() {
        return Err("empty duration; write e.g. \"30s\", \"15m\", \"2h\"".into());
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut saw_unit = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if c == ' ' {
            continue;
        }
        let mut unit = String::from(c);
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let mult = match unit.as_str() {
            "ms" => 1,
            "s" | "sec" | "secs" => 1000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            _ => {
                return Err(BadValue::from(format!(
                    "bad duration {s:?}: unknown unit {unit:?} (use ms, s, m, h or d)"
                )))
            }
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("bad duration {s:?}: a number must come before {unit:?}"))?;
        num.clear();
        total = n
            .checked_mul(mult)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("bad duration {s:?}: too large"))?;
        saw_unit = true;
    }
    if !num.is_empty() || !saw_unit {
        return Err(BadValue::from(format!(
            "bad duration {s:?}: every number needs a unit, e.g. \"30s\", \"15m\", \"2h\""
        )));
    }
    if total == 0 {
        return Err(BadValue::from(format!(
            "bad duration {s:?}: must be more than zero"
        )));
    }
    if total > 366 * 86_400_000 {
        return Err(BadValue::from(format!(
            "bad duration {s:?}: longer than a year"
        )));
    }
    Ok(Duration::from_millis(total))
}

/// Parses sizes such as `5MiB`, `512 KB`, `20M`, `1000`.
pub fn parse_size(s: &str) -> Result<u64, BadValue> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad size {s:?}: write e.g. \"5MiB\" or a number of bytes"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(BadValue::from(format!(
                "bad size {s:?}: unknown unit {other:?}"
            )))
        }
    };
    let bytes = n * mult;
    if !(1.0..=(16.0 * 1024.0 * 1024.0 * 1024.0)).contains(&bytes) {
        return Err(BadValue::from(format!(
            "bad size {s:?}: must be between 1 byte and 16 GiB"
        )));
    }
    Ok(bytes as u64)
}

/// Parses a CIDR (`127.0.0.0/24`, `fd00::/8`) or a single address.
pub fn parse_network(s: &str) -> Result<IpNet, BadValue> {
    let t = s.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    t.parse::<std::net::IpAddr>().map(IpNet::from).map_err(|_| {
        BadValue(format!(
            "bad network {s:?}: write a CIDR such as \"127.0.0.0/24\""
        ))
    })
}
