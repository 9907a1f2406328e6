use super::*;
use crate::domain::test_support::millis_set;
use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use crate::domain::timestamp::{Zone, parse_time_zone};
use crate::domain::{IntervalSet, Millis};

/// 2024-10-05T00:00:00Z, a Saturday.
const DAY0: Millis = 1_728_086_400_000;

fn at(hours: i64, minutes: i64) -> Millis {
    DAY0 + hours * HOUR_MS + minutes * MINUTE_MS
}

fn intervals(sets: &[&IntervalSet], query: OverlapQuery) -> Vec<(Millis, Millis, Vec<usize>)> {
    free_intervals(sets, &query)
        .expect("valid query")
        .map(|f| {
            (
                f.interval.start(),
                f.interval.end(),
                f.free.iter().collect(),
            )
        })
        .collect()
}

/// The starts of the hour-long slots within `free` alone, on `clock`'s grid.
fn hourly_starts<C: WallClock>(free: &IntervalSet, clock: C) -> Vec<Millis> {
    slot_starts(
        &[free],
        OverlapQuery::default(),
        SlotQuery::new(HOUR_MS),
        clock,
    )
}

fn slot_starts<C: WallClock>(
    sets: &[&IntervalSet],
    query: OverlapQuery,
    slots: SlotQuery,
    clock: C,
) -> Vec<Millis> {
    bookable_slots(sets, &query, &slots, clock)
        .expect("valid query")
        .map(|s| {
            assert_eq!(s.meeting.duration(), slots.duration);
            s.meeting.start()
        })
        .collect()
}

#[test]
fn everyone_free_is_the_merged_intersection() {
    let a = millis_set(&[(0, 10), (20, 30)]);
    let b = millis_set(&[(5, 25)]);
    let c = millis_set(&[(0, 40)]);
    assert_eq!(
        intervals(&[&a, &b, &c], OverlapQuery::default()),
        vec![(5, 10, vec![0, 1, 2]), (20, 25, vec![0, 1, 2])]
    );
    // One person alone: their own availability, unsplit.
    assert_eq!(
        intervals(&[&a], OverlapQuery::default()),
        vec![(0, 10, vec![0]), (20, 30, vec![0])]
    );
}

#[test]
fn a_quorum_splits_where_the_free_set_changes() {
    let a = millis_set(&[(0, 10)]);
    let b = millis_set(&[(5, 20)]);
    let c = millis_set(&[(8, 9), (15, 30)]);
    let query = OverlapQuery {
        quorum: Some(2),
        ..Default::default()
    };
    assert_eq!(
        intervals(&[&a, &b, &c], query),
        vec![
            (5, 8, vec![0, 1]),
            (8, 9, vec![0, 1, 2]),
            (9, 10, vec![0, 1]),
            (15, 20, vec![1, 2]),
        ]
    );
}

#[test]
fn window_and_min_duration_apply_to_the_clipped_result() {
    let a = millis_set(&[(0, 10), (20, 30), (40, 100)]);
    let query = OverlapQuery {
        from: Some(5),
        to: Some(45),
        min_duration: Some(6),
        ..Default::default()
    };
    assert_eq!(intervals(&[&a], query), vec![(20, 30, vec![0])]);
}

#[test]
fn resuming_continues_after_the_last_start_even_inside_a_result() {
    let a = millis_set(&[(0, 10), (20, 30), (40, 50)]);
    let b = millis_set(&[(0, 100)]);
    let all = OverlapQuery {
        from: Some(5),
        ..Default::default()
    };
    let expected = intervals(&[&a, &b], all);
    assert_eq!(expected[0], (5, 10, vec![0, 1]));
    // Resuming after the first result's start, from inside it, and from a gap.
    for (resume, skip) in [(5, 1), (7, 1), (15, 1), (20, 2), (49, 3), (-99, 0)] {
        let page = OverlapQuery {
            resume_after: Some(resume),
            ..all
        };
        assert_eq!(
            intervals(&[&a, &b], page),
            expected[skip..],
            "after {resume}"
        );
    }
}

#[test]
fn slots_sit_on_the_hour_grid_inside_the_buffered_free_time() {
    let free = millis_set(&[(at(9, 10), at(12, 0))]);
    let thirty = SlotQuery::new(30 * MINUTE_MS);
    assert_eq!(
        slot_starts(&[&free], OverlapQuery::default(), thirty, chrono::Utc),
        vec![at(9, 30), at(10, 0), at(10, 30), at(11, 0), at(11, 30)]
    );
    let buffered = SlotQuery {
        step: Some(15 * MINUTE_MS),
        buffer_before: 10 * MINUTE_MS,
        buffer_after: 20 * MINUTE_MS,
        ..thirty
    };
    assert_eq!(
        slot_starts(&[&free], OverlapQuery::default(), buffered, chrono::Utc),
        vec![
            at(9, 30),
            at(9, 45),
            at(10, 0),
            at(10, 15),
            at(10, 30),
            at(10, 45),
            at(11, 0)
        ]
    );
}

#[test]
fn steps_that_do_not_divide_an_hour_restart_each_hour_and_long_steps_each_day() {
    let free = millis_set(&[(at(0, 0), at(4, 0))]);
    let forty_five = SlotQuery::new(45 * MINUTE_MS);
    assert_eq!(
        slot_starts(&[&free], OverlapQuery::default(), forty_five, chrono::Utc),
        vec![
            at(0, 0),
            at(0, 45),
            at(1, 0),
            at(1, 45),
            at(2, 0),
            at(2, 45),
            at(3, 0)
        ]
    );
    let ninety = SlotQuery::new(90 * MINUTE_MS);
    assert_eq!(
        slot_starts(&[&free], OverlapQuery::default(), ninety, chrono::Utc),
        vec![at(0, 0), at(1, 30)]
    );
    let late = millis_set(&[(at(20, 0), at(26, 0))]);
    assert_eq!(
        slot_starts(&[&late], OverlapQuery::default(), ninety, chrono::Utc),
        vec![at(21, 0), at(22, 30), at(24, 0)]
    );
}

#[test]
fn the_grid_follows_the_zone_s_top_of_the_hour() {
    let free = millis_set(&[(at(9, 0), at(11, 0))]);
    assert_eq!(hourly_starts(&free, zone("Asia/Kolkata")), vec![at(9, 30)]);
    let kathmandu = chrono::FixedOffset::east_opt(5 * 3600 + 45 * 60).expect("valid");
    assert_eq!(hourly_starts(&free, kathmandu), vec![at(9, 15)]);
}

#[test]
fn zone_names_parse_from_the_bundled_database() {
    assert_eq!(
        parse_time_zone("Australia/Lord_Howe").map(Zone::name),
        Ok("Australia/Lord_Howe")
    );
    assert!(parse_time_zone("Mars/Olympus_Mons").is_err());
}

#[test]
fn the_grid_crosses_a_half_hour_daylight_saving_change() {
    // Lord Howe Island moves from +10:30 to +11:00 at 02:00 local on 2024-10-06, which is
    // 15:30Z on DAY0: local 01:00 is 14:30Z, local 03:00 is 16:00Z.
    let free = millis_set(&[(at(12, 0), at(19, 0))]);
    assert_eq!(
        hourly_starts(&free, zone("Australia/Lord_Howe")),
        vec![
            at(12, 30),
            at(13, 30),
            at(14, 30),
            at(16, 0),
            at(17, 0),
            at(18, 0)
        ]
    );
}

#[test]
fn a_slot_may_span_a_change_of_free_set_if_enough_stay_free_throughout() {
    let a = millis_set(&[(at(9, 0), at(11, 0))]);
    let b = millis_set(&[(at(9, 0), at(11, 0))]);
    let c = millis_set(&[(at(9, 0), at(10, 0))]);
    let quorum = OverlapQuery {
        quorum: Some(2),
        ..Default::default()
    };
    let hour = SlotQuery {
        step: Some(30 * MINUTE_MS),
        ..SlotQuery::new(HOUR_MS)
    };
    let found: Vec<_> = bookable_slots(&[&a, &b, &c], &quorum, &hour, chrono::Utc)
        .expect("valid")
        .map(|s| (s.meeting.start(), s.free.iter().collect::<Vec<_>>()))
        .collect();
    assert_eq!(
        found,
        vec![
            (at(9, 0), vec![0, 1, 2]),
            (at(9, 30), vec![0, 1]),
            (at(10, 0), vec![0, 1])
        ]
    );
    // Two free at every instant, but nobody but b for the whole hour: no meeting.
    let a = millis_set(&[(at(9, 0), at(9, 30))]);
    let c = millis_set(&[(at(9, 30), at(10, 0))]);
    let b = millis_set(&[(at(9, 0), at(10, 0))]);
    assert_eq!(
        slot_starts(&[&a, &b, &c], quorum, hour, chrono::Utc),
        Vec::<Millis>::new()
    );
}

/// One person free 08:00–12:00, a window 09:00–11:00, and hour-long meetings that need an
/// hour free on each side.
fn buffered_hours_in_a_window() -> (IntervalSet, OverlapQuery, SlotQuery) {
    let free = millis_set(&[(at(8, 0), at(12, 0))]);
    let window = OverlapQuery {
        from: Some(at(9, 0)),
        to: Some(at(11, 0)),
        ..Default::default()
    };
    let buffered = SlotQuery {
        buffer_before: HOUR_MS,
        buffer_after: HOUR_MS,
        ..SlotQuery::new(HOUR_MS)
    };
    (free, window, buffered)
}

#[test]
fn slot_buffers_may_reach_outside_the_window_but_meetings_may_not() {
    let (free, window, buffered) = buffered_hours_in_a_window();
    assert_eq!(
        slot_starts(&[&free], window, buffered, chrono::Utc),
        vec![at(9, 0), at(10, 0)]
    );
    let resumed = OverlapQuery {
        resume_after: Some(at(9, 0)),
        ..window
    };
    assert_eq!(
        slot_starts(&[&free], resumed, buffered, chrono::Utc),
        vec![at(10, 0)]
    );
}

#[test]
fn availability_clipped_to_the_reach_gives_the_same_results() {
    let (free, window, buffered) = buffered_hours_in_a_window();
    let span = reach(&window, Some(&buffered)).expect("the window is not empty");
    assert_eq!((span.start(), span.end()), (at(8, 0), at(12, 0)));
    let clipped = free.clip(span);
    assert_eq!(
        slot_starts(&[&clipped], window, buffered, chrono::Utc),
        slot_starts(&[&free], window, buffered, chrono::Utc)
    );
    let open = reach(&OverlapQuery::default(), Some(&buffered)).expect("the window is not empty");
    assert_eq!((open.start(), open.end()), (Millis::MIN, Millis::MAX));
    assert_eq!(
        validate(3, &window, Some(&SlotQuery::new(0))),
        Err(OverlapError::NotPositive {
            parameter: "duration"
        })
    );
    assert_eq!(validate(3, &window, Some(&buffered)), Ok(()));
}

#[test]
fn extreme_instants_do_not_panic() {
    let everything = millis_set(&[(Millis::MIN, Millis::MAX)]);
    let all: Vec<_> = free_intervals(&[&everything], &OverlapQuery::default())
        .expect("valid")
        .collect();
    assert_eq!(all.len(), 1);
    let long = OverlapQuery {
        min_duration: Some(Millis::MAX),
        ..Default::default()
    };
    assert_eq!(
        free_intervals(&[&everything], &long)
            .expect("valid")
            .count(),
        1
    );
    let after_the_start = OverlapQuery {
        resume_after: Some(Millis::MIN),
        ..long
    };
    let resumed = free_intervals(&[&everything], &after_the_start).expect("valid");
    assert_eq!(resumed.count(), 0);
    // The longest buffers allowed, against the ends of time.
    let slots = SlotQuery {
        buffer_before: MAX_BUFFER,
        buffer_after: MAX_BUFFER,
        ..SlotQuery::new(DAY_MS)
    };
    for query in [
        OverlapQuery::default(),
        OverlapQuery {
            resume_after: Some(Millis::MAX),
            ..Default::default()
        },
        OverlapQuery {
            to: Some(Millis::MIN + 1),
            ..Default::default()
        },
    ] {
        let _ = bookable_slots(&[&everything], &query, &slots, chrono::Utc)
            .expect("valid")
            .take(3)
            .count();
        let _ = bookable_slots(
            &[&everything],
            &query,
            &SlotQuery::new(1),
            zone("Australia/Lord_Howe"),
        )
        .expect("valid")
        .take(3)
        .count();
    }
}

#[test]
fn bad_parameters_are_named() {
    let one = millis_set(&[(0, 10)]);
    let many: Vec<&IntervalSet> = vec![&one; MAX_PARTICIPANTS + 1];
    let refused = |sets: &[&IntervalSet], query: OverlapQuery, slots: Option<SlotQuery>| {
        let error = match slots {
            None => free_intervals(sets, &query).err(),
            Some(slots) => bookable_slots(sets, &query, &slots, chrono::Utc).err(),
        }
        .expect("refused");
        let message = error.to_string();
        assert!(
            message.contains(&format!("`{}`", error.parameter())),
            "{message}"
        );
        error
    };
    let none = OverlapQuery::default();
    assert_eq!(refused(&[], none, None), OverlapError::NoParticipants);
    assert_eq!(
        refused(&many, none, None),
        OverlapError::TooManyParticipants { count: 101 }
    );
    assert!(refused(&many, none, None).to_string().contains("100"));
    for quorum in [0, 2] {
        let query = OverlapQuery {
            quorum: Some(quorum),
            ..none
        };
        assert_eq!(
            refused(&[&one], query, None),
            OverlapError::QuorumOutOfRange {
                quorum,
                participants: 1
            }
        );
    }
    let backwards = OverlapQuery {
        from: Some(5),
        to: Some(5),
        ..none
    };
    assert_eq!(refused(&[&one], backwards, None), OverlapError::EmptyWindow);
    let negative = OverlapQuery {
        min_duration: Some(-1),
        ..none
    };
    assert_eq!(refused(&[&one], negative, None).parameter(), "min_duration");
    assert_eq!(
        refused(&[&one], negative, Some(SlotQuery::new(5))),
        OverlapError::MinDurationWithSlots
    );
    for (slots, parameter) in [
        (SlotQuery::new(0), "duration"),
        (
            SlotQuery {
                step: Some(-5),
                ..SlotQuery::new(5)
            },
            "step",
        ),
        (
            SlotQuery {
                step: Some(DAY_MS + 1),
                ..SlotQuery::new(5)
            },
            "step",
        ),
        (
            SlotQuery {
                buffer_before: -1,
                ..SlotQuery::new(5)
            },
            "buffer_before",
        ),
        (
            SlotQuery {
                buffer_after: -1,
                ..SlotQuery::new(5)
            },
            "buffer_after",
        ),
        (
            SlotQuery {
                buffer_before: DAY_MS + 1,
                ..SlotQuery::new(5)
            },
            "buffer_before",
        ),
        (
            SlotQuery {
                buffer_after: DAY_MS + 1,
                ..SlotQuery::new(5)
            },
            "buffer_after",
        ),
    ] {
        assert_eq!(refused(&[&one], none, Some(slots)).parameter(), parameter);
    }
    let day_buffers = SlotQuery {
        buffer_before: DAY_MS,
        buffer_after: DAY_MS,
        ..SlotQuery::new(5)
    };
    assert!(
        validate(1, &none, Some(&day_buffers)).is_ok(),
        "a day is allowed"
    );
}

fn zone(name: &str) -> Zone {
    parse_time_zone(name).expect("a bundled zone")
}
