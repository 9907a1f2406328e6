//! End to end: the function under `cargo lambda watch`, driven over HTTP.

mod watch;
