//! The store's behaviour below the trait. Runs with `--features dynamodb` against a local moto
//! server (`scripts/with-moto.sh`).

#[cfg(feature = "dynamodb")]
mod retried_writes;
