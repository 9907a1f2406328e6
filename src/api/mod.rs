//! HTTP routing and the mapping between requests/responses and the domain.
//!
//! - `router`: the [`App`], which routes a request and turns failures into responses;
//!   `routes` is its route table, `event` the Lambda door in front of it ([`handle_event`]).
//! - The handlers, one module per resource: `availability`, `schedule`, `overlap`,
//!   `bookings`, `sharing`.
//! - Reading requests: `input`, `identity` (who the caller is), `if_match`, `window`; `paging`
//!   (with its `cursor`) for the routes that answer lists.
//! - Writing responses: `response` (helpers), `error` (problem responses), `cors`, and the
//!   output shapes `shown_interval` and `window_member`.

mod availability;
mod bookings;
mod cors;
mod cursor;
mod error;
mod event;
mod identity;
mod if_match;
mod input;
mod overlap;
mod paging;
mod response;
mod router;
mod routes;
mod schedule;
mod sharing;
mod shown_interval;
mod window;
mod window_member;

pub use error::MAX_FIELD_ERRORS;
pub use event::handle_event;
pub use overlap::{MAX_LOADED_INTERVALS, MAX_SCHEDULE_DAYS};
pub use paging::MAX_PAGE_BYTES;
pub use router::App;
pub use routes::ROUTE_TABLE;
pub use window::Clock;
