//! The command implementations behind `main`: one module per kind of
//! command; printing and files here, logic in the library.

pub(crate) mod collect;
pub(crate) mod files;
pub(crate) mod probe;
pub(crate) mod proof;
pub(crate) mod read;
pub(crate) mod serve;
pub(crate) mod watch;
