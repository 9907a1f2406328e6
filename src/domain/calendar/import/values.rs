//! iCalendar values as busy time needs them: DATE and DATE-TIME (UTC, with a `TZID`, or
//! floating), DURATION, and the zone a `TZID` names, IANA or Windows.

use super::vtimezone::DefinedZone;
use crate::domain::time::Millis;
use crate::domain::tzdb::{Resolved, Zone};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// Where a wall-clock time is read. `'z`: the zones the calendar defines live that long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place<'z> {
    Utc,
    Zone(Zone),
    /// A zone defined only by the calendar's VTIMEZONE.
    Defined(&'z DefinedZone),
    /// A fixed offset east of UTC, in seconds: a VTIMEZONE's own onsets, read in the offset in
    /// force before them.
    Offset(i32),
    /// No zone given: the calendar's own zone (RFC 5545 §3.3.5 form #1).
    Floating,
}

/// A DTSTART-like value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Time<'z> {
    /// An all-day date, read in the calendar's zone.
    Date(NaiveDate),
    At(NaiveDateTime, Place<'z>),
}

impl<'z> Time<'z> {
    pub fn is_date(&self) -> bool {
        matches!(self, Time::Date(_))
    }

    /// The wall-clock reading (midnight for a date).
    pub fn local(&self) -> NaiveDateTime {
        match self {
            Time::Date(date) => date.and_time(NaiveTime::MIN),
            Time::At(local, _) => *local,
        }
    }

    /// The same kind of value at another wall-clock reading.
    pub fn with_local(&self, local: NaiveDateTime) -> Time<'z> {
        match self {
            Time::Date(_) => Time::Date(local.date()),
            Time::At(_, place) => Time::At(local, *place),
        }
    }

    /// The instant this names, dates and floating times in `calendar_zone`.
    pub fn instant(&self, calendar_zone: Zone) -> Millis {
        match self {
            Time::Date(date) => instant_in(calendar_zone, date.and_time(NaiveTime::MIN)),
            Time::At(local, Place::Utc) => local.and_utc().timestamp_millis(),
            Time::At(local, Place::Zone(zone)) => instant_in(*zone, *local),
            Time::At(local, Place::Defined(zone)) => zone.instant_of(*local),
            Time::At(local, Place::Offset(east)) => {
                local.and_utc().timestamp_millis() - i64::from(*east) * 1000
            }
            Time::At(local, Place::Floating) => instant_in(calendar_zone, *local),
        }
    }
}

/// The instant a wall-clock time names in `zone`: in a gap, read with the offset before it; in
/// a fold, the first time (as `domain::schedule` reads them, and as Python's `zoneinfo` does
/// with `fold=0`).
pub fn instant_in(zone: Zone, local: NaiveDateTime) -> Millis {
    let offset = match zone.resolve(&local) {
        Resolved::Single(offset) => offset,
        Resolved::Fold { earlier, .. } => earlier,
        Resolved::Gap { before } => before,
    };
    local.and_utc().timestamp_millis() - i64::from(offset.utc_offset()) * 1000
}

/// A DATE (`20260302`) or DATE-TIME (`20260302T090000`, `…Z`) value; `zone` is where the
/// property's `TZID` parameter places a local time (`None`: unknown or absent, floating).
pub fn parse_time<'z>(
    value: &str,
    value_is_date: bool,
    zone: Option<Place<'z>>,
) -> Option<Time<'z>> {
    let value = value.trim();
    if value_is_date || (value.len() == 8 && !value.contains('T')) {
        return NaiveDate::parse_from_str(value.get(..8)?, "%Y%m%d")
            .ok()
            .map(Time::Date);
    }
    let (text, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(text) => (text, true),
        None => (value, false),
    };
    let local = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").ok()?;
    let place = match (utc, zone) {
        (true, _) => Place::Utc,
        (false, Some(place)) => place,
        (false, None) => Place::Floating,
    };
    Some(Time::At(local, place))
}

/// A DURATION (`PT1H30M`, `P1D`, `-P1W`): the nominal days (weeks as 7) and the exact rest, as
/// RFC 5545 §3.3.6 distinguishes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Length {
    pub days: i64,
    pub exact: Duration,
}

impl Length {
    /// `start` moved by this length on the wall clock (as calendar clients and Python's
    /// datetime arithmetic move it), then read as an instant.
    pub fn after(&self, start: &Time, calendar_zone: Zone) -> Millis {
        let moved = start.local() + Duration::days(self.days) + self.exact;
        start.with_local(moved).instant(calendar_zone)
    }
}

pub fn parse_duration(text: &str) -> Option<Length> {
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let (date_part, time_part) = match rest.split_once(['T', 't']) {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let mut length = Length::default();
    let mut number = String::new();
    for c in date_part.chars() {
        match c {
            '0'..='9' => number.push(c),
            'W' | 'w' => length.days += number.parse::<i64>().ok()?.checked_mul(7)?,
            'D' | 'd' => length.days += number.parse::<i64>().ok()?,
            _ => return None,
        }
        if !c.is_ascii_digit() {
            number.clear();
        }
    }
    let mut seconds: i64 = 0;
    for c in time_part.unwrap_or_default().chars() {
        match c {
            '0'..='9' => number.push(c),
            'H' | 'h' => seconds += number.parse::<i64>().ok()?.checked_mul(3600)?,
            'M' | 'm' => seconds += number.parse::<i64>().ok()?.checked_mul(60)?,
            'S' | 's' => seconds += number.parse::<i64>().ok()?,
            _ => return None,
        }
        if !c.is_ascii_digit() {
            number.clear();
        }
    }
    if !number.is_empty() || length.days.abs() > 100_000 || seconds.abs() > 10_000_000_000 {
        return None;
    }
    length.days *= sign;
    length.exact = Duration::seconds(seconds * sign);
    Some(length)
}

/// The zone a `TZID` names: an IANA name (any letter case); a name with a prefix, as Mozilla's
/// `/mozilla.org/20050126_1/Europe/Berlin` or `/Europe/Berlin`; or a Windows name ("W. Europe
/// Standard Time"), through [`WINDOWS_ZONES`]. `None` for anything else.
pub fn zone_of_tzid(tzid: &str) -> Option<Zone> {
    let tzid = tzid.trim().trim_matches('"');
    if tzid.is_empty() || tzid.len() > 100 {
        return None;
    }
    let iana =
        |name: &str| Zone::named(name).or_else(|| Zone::spelled_like(name).and_then(Zone::named));
    if let Some(zone) = iana(tzid) {
        return Some(zone);
    }
    if let Some((_, iana_name)) = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(tzid))
    {
        return Zone::named(iana_name);
    }
    // A prefixed name: its last two or three segments.
    let segments: Vec<&str> = tzid.split('/').filter(|s| !s.is_empty()).collect();
    for take in [3, 2] {
        if segments.len() >= take
            && let Some(zone) = iana(&segments[segments.len() - take..].join("/"))
        {
            return Some(zone);
        }
    }
    None
}

/// Windows time zone names and the IANA zone each means where no territory is given (CLDR's
/// windowsZones.xml, territory "001"), for the zones calendars exported from Exchange and
/// Outlook name most. A name not here falls back to the calendar's zone.
pub const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time", "America/New_York"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Greenland Standard Time", "America/Godthab"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("Central Asia Standard Time", "Asia/Almaty"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Myanmar Standard Time", "Asia/Rangoon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_by_iana_windows_and_prefixed_names() {
        let name = |tzid: &str| zone_of_tzid(tzid).map(|zone| zone.name());
        assert_eq!(name("Europe/Berlin"), Some("Europe/Berlin"));
        assert_eq!(name("europe/berlin"), Some("Europe/Berlin"));
        assert_eq!(name("W. Europe Standard Time"), Some("Europe/Berlin"));
        assert_eq!(name("\"Eastern Standard Time\""), Some("America/New_York"));
        assert_eq!(
            name("/mozilla.org/20050126_1/Europe/Paris"),
            Some("Europe/Paris")
        );
        assert_eq!(
            name("/America/Argentina/Buenos_Aires"),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(name("Mars/Olympus"), None);
        // Every Windows name maps to a zone the bundle has.
        for (windows, iana) in WINDOWS_ZONES {
            assert!(zone_of_tzid(windows).is_some(), "{windows} → {iana}");
        }
    }

    #[test]
    fn times_and_durations() {
        let berlin = Zone::named("Europe/Berlin").expect("a zone");
        let at = |text: &str| parse_time(text, false, Some(Place::Zone(berlin))).expect("a time");
        assert_eq!(at("20260302T090000Z").instant(Zone::UTC), 1_772_442_000_000);
        assert_eq!(at("20260302T100000").instant(Zone::UTC), 1_772_442_000_000);
        assert_eq!(
            parse_time("20260302T090000", false, None).map(|t| t.instant(berlin)),
            Some(1_772_438_400_000)
        );
        assert!(at("20260302").is_date());
        // 02:30 on 2026-03-29 does not exist in Berlin: read with the offset before, 01:30Z.
        assert_eq!(at("20260329T023000").instant(Zone::UTC), 1_774_747_800_000);
        assert_eq!(
            parse_duration("P1DT2H30M"),
            Some(Length {
                days: 1,
                exact: Duration::seconds(9_000)
            })
        );
        assert_eq!(
            parse_duration("-PT15M").map(|l| l.exact),
            Some(Duration::seconds(-900))
        );
        assert_eq!(parse_duration("P2W").map(|l| l.days), Some(14));
        for bad in [
            "",
            "P",
            "PT",
            "1H",
            "PT1X",
            "P1H",
            "PT99999999999999999999H",
        ] {
            assert!(
                parse_duration(bad).is_none_or(|l| l == Length::default()),
                "{bad}"
            );
        }
    }
}
