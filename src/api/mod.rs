//! HTTP routing and the mapping between requests/responses and the domain.
//!
//! - `app`: the [`App`] (the function's state) and the failures a handler may answer with.
//! - `call`: what a handler is given ([`Call`](call::Call): request, path parameters, caller).
//! - `routes`: the route table (method, path, handler, who may call it); `router` serves a
//!   request by it and turns failures into responses; `event` is the Lambda door in front of
//!   it ([`handle_event`]).
//! - `handlers/`: one module per resource: `availability`, `schedule`, `overlap`, `bookings`,
//!   `sharing`, and `service` (health check, OpenAPI).
//! - Reading requests: `input`, `identity` (who the caller is), `if_match`, `window`; `paging`
//!   (with its `cursor`) for the routes that answer lists.
//! - Writing responses: `response` (helpers), `error` (problem responses), `cors`, and the
//!   output shapes `shown_interval` and `window_member`.

mod app;
mod call;
mod cors;
mod cursor;
mod error;
mod event;
mod handlers;
mod identity;
mod if_match;
mod in_process;
mod input;
mod paging;
mod response;
mod router;
mod routes;
mod shown_interval;
mod window;
mod window_member;

pub use app::App;
pub use error::MAX_FIELD_ERRORS;
pub use event::handle_event;
pub use handlers::overlap::{MAX_LOADED_INTERVALS, MAX_SCHEDULE_DAYS};
pub use paging::MAX_PAGE_BYTES;
pub use routes::{RouteEntry, route_paths, route_table};
pub use window::Clock;
