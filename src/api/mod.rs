//! HTTP routing and the mapping between requests/responses and the domain.
//!
//! - [`router`]: the [`App`], which routes a request and turns failures into responses;
//!   [`routes`] is its route table, [`event`] the Lambda door in front of it.
//! - The handlers, one module per resource: `availability`, `schedule`, `overlap`.
//! - Reading requests: [`input`], `identity` (who the caller is), `window`, `cursor`.
//! - Writing responses: `response` (helpers), [`error`] (problem responses), and the output
//!   shapes `shown_interval` and `window_member`.

mod availability;
pub mod cors;
mod cursor;
pub mod error;
mod event;
mod identity;
pub mod input;
mod overlap;
mod response;
pub mod router;
pub mod routes;
mod schedule;
mod shown_interval;
mod window;
mod window_member;

pub use event::handle_event;
pub use identity::DEV_USER_HEADER;
pub use overlap::{DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE_BYTES};
pub use router::App;
pub use window::Clock;
