//! The `window` member of a read that expanded a schedule.

use super::window::ReadWindow;
use crate::domain::timestamp::Zone;
use crate::domain::timestamp::format_instant;
use serde::Serialize;

/// The `window` member of a read that expanded a schedule: `{"from", "to"}`, the instants its
/// answer covers.
#[derive(Serialize)]
pub(crate) struct WindowMember {
    from: String,
    to: String,
}

impl WindowMember {
    /// `None` when the window is not to be reported (nothing was expanded).
    pub(crate) fn of(window: ReadWindow, zone: Option<Zone>) -> Option<WindowMember> {
        window.reported.then(|| WindowMember {
            from: format_instant(window.interval.start(), zone),
            to: format_instant(window.interval.end(), zone),
        })
    }
}
