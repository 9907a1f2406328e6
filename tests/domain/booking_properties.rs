//! Bookings against a brute-force model: a random sequence of bookings and cancellations over
//! four users on a 60-minute grid, applied with the domain's rules (`can_take` for every
//! participant, then `with_booking`; the organizer cancels for all, anyone else leaves) and in a
//! model of per-user sets of available and booked minutes. After every step both must agree on
//! who holds which booking and on each user's free minutes.

use availability_api::domain::booking::{Booking, Unbookable};
use availability_api::domain::{Interval, IntervalSet, Millis, UserRecord};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const USERS: [&str; 4] = ["ana", "bo", "cy", "di"];
const GRID: Millis = 60;
const NOW: Millis = 0;

#[derive(Clone, Debug)]
enum Step {
    Book {
        organizer: usize,
        others: Vec<usize>,
        start: Millis,
        length: Millis,
    },
    /// The `booking`-th booking still held by anyone (modulo their count), left or cancelled
    /// by its `by`-th participant (modulo theirs).
    Cancel { booking: usize, by: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..4usize, proptest::collection::vec(0..4usize, 0..4), 0..GRID, 1..12i64)
            .prop_map(|(organizer, others, start, length)| Step::Book { organizer, others, start, length }),
        1 => (0..8usize, 0..4usize).prop_map(|(booking, by)| Step::Cancel { booking, by }),
    ]
}

/// Each user's available minutes: a few random ranges on the grid.
fn availability() -> impl Strategy<Value = Vec<Vec<(Millis, Millis)>>> {
    proptest::collection::vec(
        proptest::collection::vec((0..GRID, 1..30i64), 0..4),
        USERS.len(),
    )
}

struct ModelBooking {
    id: String,
    minutes: BTreeSet<Millis>,
    organizer: usize,
    participants: Vec<usize>,
}

fn as_set(minutes: &BTreeSet<Millis>) -> IntervalSet {
    IntervalSet::from_intervals(
        minutes
            .iter()
            .filter_map(|&m| Interval::new(m, m + 1))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn bookings_agree_with_the_model(available in availability(),
                                     steps in proptest::collection::vec(step(), 1..30)) {
        let grid = Interval::new(-10, GRID + 50).expect("valid");
        let mut records: Vec<UserRecord> = Vec::new();
        let mut free_minutes: Vec<BTreeSet<Millis>> = Vec::new();
        for ranges in &available {
            let set = IntervalSet::from_intervals(
                ranges.iter().filter_map(|&(s, l)| Interval::new(s, s + l)).collect(),
            );
            records.push(UserRecord::default().with_added(&set));
            free_minutes.push(ranges.iter().flat_map(|&(s, l)| s..s + l).collect());
        }
        let mut model: Vec<ModelBooking> = Vec::new();
        for (n, step) in steps.into_iter().enumerate() {
            match step {
                Step::Book { organizer, others, start, length } => {
                    let mut participants = vec![organizer];
                    for other in others {
                        if !participants.contains(&other) {
                            participants.push(other);
                        }
                    }
                    let range = Interval::new(start, start + length).expect("valid");
                    let booking = Booking {
                        id: format!("b{n}"),
                        range,
                        organizer: USERS[organizer].to_owned(),
                        participants: participants.iter().map(|&p| USERS[p].to_owned()).collect(),
                        title: None,
                        created_at: NOW,
                        invited: None,
                    };
                    let refusals: Vec<Unbookable> = participants
                        .iter()
                        .filter_map(|&p| records[p].can_take(USERS[p], &booking, NOW).err())
                        .collect();
                    let minutes: BTreeSet<Millis> = (start..start + length).collect();
                    let model_free = participants.iter().all(|&p| {
                        let booked: BTreeSet<Millis> = model
                            .iter()
                            .filter(|b| b.participants.contains(&p))
                            .flat_map(|b| b.minutes.iter().copied())
                            .collect();
                        minutes.iter().all(|m| free_minutes[p].contains(m) && !booked.contains(m))
                    });
                    prop_assert_eq!(refusals.is_empty(), model_free, "step {}: {:?}", n, refusals);
                    prop_assert!(refusals.iter().all(|r| *r == Unbookable::Busy));
                    if model_free {
                        for &p in &participants {
                            records[p] = records[p].with_booking(&booking, NOW);
                        }
                        model.push(ModelBooking { id: booking.id, minutes, organizer, participants });
                    }
                }
                Step::Cancel { booking, by } => {
                    if model.is_empty() {
                        continue;
                    }
                    let index = booking % model.len();
                    let held = &model[index];
                    let by = held.participants[by % held.participants.len()];
                    let id = held.id.clone();
                    // What the API does, from the canceller's copy.
                    let copy = records[by].booking(&id).expect("the canceller holds a copy").clone();
                    let by_organizer = copy.organizer == USERS[by];
                    for name in &copy.participants {
                        let p = USERS.iter().position(|u| u == name).expect("a known user");
                        records[p] = if by_organizer || p == by {
                            records[p].without_booking(&id)
                        } else {
                            records[p].with_participant_gone(&id, USERS[by])
                        };
                    }
                    if by == held.organizer {
                        model.remove(index);
                    } else {
                        model[index].participants.retain(|&p| p != by);
                    }
                }
            }
            for (p, record) in records.iter().enumerate() {
                let booked: BTreeSet<Millis> = model
                    .iter()
                    .filter(|b| b.participants.contains(&p))
                    .flat_map(|b| b.minutes.iter().copied())
                    .collect();
                let free: BTreeSet<Millis> = free_minutes[p].difference(&booked).copied().collect();
                prop_assert_eq!(record.availability_within(grid), as_set(&free), "{}", USERS[p]);
                prop_assert_eq!(record.unbooked_availability_within(grid), as_set(&free_minutes[p]));
                let held: BTreeMap<&str, Vec<String>> = record
                    .bookings
                    .iter()
                    .map(|b| (b.id.as_str(), b.participants.clone()))
                    .collect();
                let expected: BTreeMap<&str, Vec<String>> = model
                    .iter()
                    .filter(|b| b.participants.contains(&p))
                    .map(|b| (b.id.as_str(), b.participants.iter().map(|&q| USERS[q].to_owned()).collect()))
                    .collect();
                prop_assert_eq!(held, expected, "{}", USERS[p]);
                prop_assert!(record.bookings.windows(2).all(|w| w[0].range.end() <= w[1].range.start()),
                    "a user's bookings are in start order and never overlap");
            }
        }
    }
}
