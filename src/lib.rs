//! rasad: watches news feeds, fetches the full text of every story, and
//! keeps everything in SQLite for reading and export.
//!
//! The binary (`src/main.rs`) is a thin CLI over these modules; see
//! ARCHITECTURE.md for the map and the invariants.

pub mod alerts;
pub mod atomic;
pub mod charset;
pub mod config;
pub mod daemon;
pub mod dedup;
pub mod evidence;
pub mod export;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod memory;
pub mod notify;
pub mod pipeline;
pub mod places;
pub mod scheduler;
pub mod search;
pub mod store;
pub mod text;
pub mod web;
