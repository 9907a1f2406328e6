//! Calendars: bookings written out as iCalendar (RFC 5545), and the secret that opens a user's
//! feed of them. Pure: the API reads and writes records; this decides what the files say.
//!
//! - [`ics`]: content lines as RFC 5545 wants them (CRLF, folding at 75 octets, TEXT escaping);
//! - [`export`]: a user's bookings as VEVENTs, a feed or one booking's file;
//! - [`feed_token`]: the feed's secret, stored only as a hash;
//! - [`import`]: busy time from the calendars a user imports;
//! - [`source`]: those calendars as the user's record keeps them.

pub mod export;
pub mod feed_token;
pub mod ics;
pub mod import;
pub mod source;

pub use export::{CalendarMethod, EventStatus, ExportedEvent, KEEP_CANCELLED_IN_FEED};
pub use feed_token::{FEED_SECRET_BYTES, FeedToken, MAX_FEED_TOKEN_CHARS};
