//! The HTTP API's surface.

mod route_parity;
