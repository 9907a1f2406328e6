//! The scheduling logic through the library's public API: fixed daylight-saving cases and
//! property tests against brute-force oracles.

mod booking_properties;
mod event_type_properties;
mod interval_properties;
mod overlap_properties;
mod removed_search;
mod schedule_dst;
mod schedule_properties;
mod timestamp_properties;
