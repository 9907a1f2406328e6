//! The handlers, one module per resource. Each answers one route of the table (`routes.rs`)
//! and builds only on the app (`app.rs`) and the request and response helpers beside it.

pub(super) mod availability;
pub(super) mod bookings;
pub(super) mod calendar_export;
pub(super) mod calendar_import;
pub(super) mod event_types;
pub(super) mod invitee;
pub(super) mod manage;
pub(super) mod overlap;
mod own_record;
pub(super) mod page;
pub(super) mod public;
mod public_writes;
pub(super) mod schedule;
pub(super) mod service;
pub(super) mod sharing;
pub(super) mod webhooks;
