//! Every instant the API can show is one it accepts: in UTC and in any zone's offset, the text
//! `format_*` writes parses back to the same instant. The API accepts and computes instants
//! from `EARLIEST_INSTANT` to `LATEST_INSTANT` only, so those are the ones checked.

use availability_api::domain::time::{EARLIEST_INSTANT, LATEST_INSTANT};
use availability_api::domain::timestamp::{format_timestamp, format_timestamp_in, parse_timestamp};
use chrono_tz::{TZ_VARIANTS, Tz};
use proptest::prelude::*;

/// Zones at the extremes: the largest offsets east and west, offsets in half and quarter hours,
/// mean solar time in seconds (shown in UTC), a zone that crossed the date line both ways.
const SAMPLE: [Tz; 12] = [
    chrono_tz::UTC,
    chrono_tz::Pacific::Kiritimati,
    chrono_tz::Etc::GMTMinus14,
    chrono_tz::Etc::GMTPlus12,
    chrono_tz::Pacific::Apia,
    chrono_tz::Asia::Manila,
    chrono_tz::America::Sitka,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::America::St_Johns,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Europe::Dublin,
    chrono_tz::America::New_York,
];

fn round_trips(millis: i64, zone: Option<Tz>) -> Result<(), TestCaseError> {
    let text = match zone {
        Some(zone) => format_timestamp_in(millis, zone),
        None => format_timestamp(millis),
    };
    prop_assert_eq!(
        parse_timestamp(&text),
        Ok(millis),
        "{} ({:?}) wrote {}",
        millis,
        zone,
        text
    );
    Ok(())
}

/// Instants anywhere in the range, and many near its ends, where years could overflow.
fn any_instant() -> impl Strategy<Value = i64> {
    let near_an_end = 3 * 86_400_000;
    prop_oneof![
        EARLIEST_INSTANT..=LATEST_INSTANT,
        EARLIEST_INSTANT..=EARLIEST_INSTANT + near_an_end,
        LATEST_INSTANT - near_an_end..=LATEST_INSTANT,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn an_instant_shown_in_utc_or_any_zone_parses_back_to_itself(
        millis in any_instant(),
        zone in prop::sample::select(SAMPLE.to_vec()),
    ) {
        round_trips(millis, None)?;
        round_trips(millis, Some(zone))?;
    }

    /// Whatever text the API accepts, near the ends of the range in any offset, names an
    /// instant it can show again.
    #[test]
    fn an_accepted_timestamp_names_an_instant_that_round_trips(
        year in prop::sample::select(vec![0, 1, 9998, 9999]),
        day_of_year in 0u32..366,
        minute_of_day in 0u32..1440,
        offset_minutes in -1439i32..=1439,
        zone in prop::sample::select(SAMPLE.to_vec()),
    ) {
        let Some(date) = chrono::NaiveDate::from_yo_opt(year, day_of_year + 1) else {
            return Ok(());
        };
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let text = format!(
            "{date}T{:02}:{:02}:00{sign}{:02}:{:02}",
            minute_of_day / 60,
            minute_of_day % 60,
            offset_minutes.abs() / 60,
            offset_minutes.abs() % 60,
        );
        if let Ok(millis) = parse_timestamp(&text) {
            prop_assert!((EARLIEST_INSTANT..=LATEST_INSTANT).contains(&millis), "{}", text);
            round_trips(millis, None)?;
            round_trips(millis, Some(zone))?;
        }
    }
}

#[test]
fn every_zone_shows_the_ends_of_the_range_as_valid_input() {
    for zone in TZ_VARIANTS {
        for millis in [
            EARLIEST_INSTANT,
            EARLIEST_INSTANT + 1,
            LATEST_INSTANT - 1,
            LATEST_INSTANT,
        ] {
            let text = format_timestamp_in(millis, zone);
            assert_eq!(parse_timestamp(&text), Ok(millis), "{zone}: {text}");
        }
    }
    assert!(parse_timestamp(&format_timestamp(LATEST_INSTANT + 1)).is_err());
    assert!(parse_timestamp(&format_timestamp(EARLIEST_INSTANT - 1)).is_err());
}
