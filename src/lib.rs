//! availability-api: a scheduling API served as an AWS Lambda function.
//!
//! - [`domain`]: the scheduling logic, pure and free of Lambda types, including what a user is
//!   available in ([`domain::UserRecord`]).
//! - [`store`]: where availability lives, behind the [`store::AvailabilityStore`] trait.
//! - [`api`]: routing, identity, and mapping requests and responses to the domain.
//! - [`config`]: settings read once at start-up.
//! - [`calendar_sync`]: fetching an imported calendar and keeping its busy time.
//! - [`outbound`]: requests to user-given URLs (calendars, webhooks), public addresses only.
//! - [`secrets`]: secrets the service reads back (CalDAV passwords), sealed before they are
//!   stored: with a KMS key as deployed.
//! - `aws` (the `dynamodb` feature): the configuration and HTTPS client the AWS SDK's clients
//!   share.
//! - [`tls`]: the TLS client configuration (compiled-in roots) every HTTPS client here uses.
//! - [`observability`]: each invocation's log line, metrics document and store-call spans.
//! - [`meter`]: what a piece of work cost the store, counted by the stores and read by
//!   [`observability`]; it depends on neither.

pub mod api;
#[cfg(feature = "dynamodb")]
pub mod aws;
pub mod calendar_sync;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod meter;
pub mod observability;
pub mod outbound;
pub mod secrets;
pub mod store;
pub mod tls;
