//! End-to-end tests.

mod deployed;
