//! Whether a start of an event type can be booked now, and so which slots to list: one function,
//! [`Offer::decide`], answers both. The public slots are `decide` applied to every start of
//! `/overlap`'s step grid ([`grid_starts`]); a booking runs `decide` again on the records read
//! inside its atomic write. So a listed slot is exactly a start a booking would take at that
//! moment.

use super::{Assignment, EventType};
use crate::domain::overlap::{grid_starts, on_grid};
use crate::domain::time::{DAY_MS, Millis};
use crate::domain::timestamp::{Zone, parse_time_zone};
use crate::domain::{Interval, IntervalSet, UserRecord};
use std::collections::{BTreeSet, HashMap};

/// Upcoming bookings one invitee email may hold with one host.
pub const MAX_UPCOMING_PER_INVITEE: usize = 3;

/// Why a start cannot be booked, in the order the checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotRefusal {
    /// Earlier than now plus the event type's `minimum_notice`.
    TooSoon,
    /// At or after now plus its `horizon`.
    BeyondHorizon,
    /// Not on its step grid.
    OffGrid,
    /// Its `max_per_day` bookings already start on that local date.
    DayFull,
    /// The hosts (all of them, or any one for `assignment: "one"`) are not free for the meeting
    /// and its buffers, or another booking's buffer reaches into it.
    Unavailable,
    /// The invitee already holds [`MAX_UPCOMING_PER_INVITEE`] upcoming bookings with the host.
    InviteeLimit,
}

impl SlotRefusal {
    /// The contract's `reason` for it.
    pub fn reason(self) -> &'static str {
        match self {
            SlotRefusal::TooSoon => "too_soon",
            SlotRefusal::BeyondHorizon => "beyond_horizon",
            SlotRefusal::OffGrid => "off_grid",
            SlotRefusal::DayFull => "day_full",
            SlotRefusal::Unavailable => "unavailable",
            SlotRefusal::InviteeLimit => "invitee_limit",
        }
    }
}

/// An event type with its hosts' state over a window, read once: what [`Offer::decide`] needs.
pub struct Offer<'a> {
    owner: &'a str,
    event_type: &'a EventType,
    zone: Zone,
    now: Millis,
    /// Where the hosts' free time was read: a meeting with its buffers must lie inside.
    window: Interval,
    hosts: Vec<HostState>,
    /// Bookings of this event type (across its hosts, once each) by local day number.
    per_day: HashMap<i64, u32>,
}

/// One host's side of the offer.
struct HostState {
    /// Availability less every booking (but the one being moved), within the window.
    free: IntervalSet,
    /// The buffers of the host's bookings of event types: no meeting may start or run in them.
    buffers: IntervalSet,
    /// Upcoming bookings by invitee email (lowercase).
    upcoming_by_email: HashMap<String, usize>,
    /// Upcoming bookings of this event type: the fairness count of `assignment: "one"`.
    upcoming_of_this_type: usize,
}

impl<'a> Offer<'a> {
    /// The offer of `owner`'s `event_type` at `now`, its hosts' `records` given in the order of
    /// its `hosts`, read over `window`; the booking `moving` (a reschedule) counts for nothing.
    pub fn new(
        owner: &'a str,
        event_type: &'a EventType,
        records: &[&UserRecord],
        window: Interval,
        now: Millis,
        moving: Option<&str>,
    ) -> Self {
        let counted = |id: &str| moving != Some(id);
        let mut of_this_type = BTreeSet::new();
        let hosts = records
            .iter()
            .map(|record| {
                let bookings: Vec<_> = record
                    .bookings
                    .iter()
                    .filter(|booking| counted(&booking.id))
                    .collect();
                let booked = IntervalSet::from_intervals(
                    bookings
                        .iter()
                        .filter_map(|booking| booking.range.intersection(&window))
                        .collect(),
                );
                let buffers = IntervalSet::from_intervals(
                    bookings
                        .iter()
                        .filter_map(|booking| {
                            let invited = booking.invited.as_ref()?;
                            let before = Interval::new(
                                booking.range.start() - invited.buffer_before,
                                booking.range.start(),
                            );
                            let after = Interval::new(
                                booking.range.end(),
                                booking.range.end() + invited.buffer_after,
                            );
                            Some([before, after])
                        })
                        .flatten()
                        .flatten()
                        .collect(),
                );
                let mut upcoming_by_email: HashMap<String, usize> = HashMap::new();
                let mut upcoming_of_this_type = 0;
                for booking in &bookings {
                    let Some(invited) = &booking.invited else {
                        continue;
                    };
                    let this_type = invited.owner == owner && invited.event_type == event_type.slug;
                    if this_type {
                        of_this_type.insert((booking.id.clone(), booking.range.start()));
                    }
                    if booking.range.end() > now {
                        *upcoming_by_email
                            .entry(invited.invitee.email.to_lowercase())
                            .or_default() += 1;
                        upcoming_of_this_type += usize::from(this_type);
                    }
                }
                HostState {
                    free: record
                        .unbooked_availability_within(window)
                        .difference(&booked),
                    buffers,
                    upcoming_by_email,
                    upcoming_of_this_type,
                }
            })
            .collect();
        let zone = parse_time_zone(&event_type.timezone).unwrap_or(Zone::UTC);
        let mut per_day: HashMap<i64, u32> = HashMap::new();
        for (_, start) in &of_this_type {
            *per_day.entry(local_day(zone, *start)).or_default() += 1;
        }
        Offer {
            owner,
            event_type,
            zone,
            now,
            window,
            hosts,
            per_day,
        }
    }

    /// The owner of the event type.
    pub fn owner(&self) -> &str {
        self.owner
    }

    /// The window a meeting at `start` needs read: the meeting widened by the buffers.
    pub fn needs(event_type: &EventType, start: Millis) -> Option<Interval> {
        Interval::new(
            start.checked_sub(event_type.buffer_before)?,
            start
                .checked_add(event_type.duration)?
                .checked_add(event_type.buffer_after)?,
        )
    }

    /// Whether a meeting starting at `start` can be booked (for `invitee_email`, when one is
    /// booking), and the indices (in `hosts` order) of the hosts it books: every host, or for
    /// `assignment: "one"` the free host with the fewest upcoming bookings of this event type
    /// (ties: the first in `hosts`). The checks run in the order of [`SlotRefusal`].
    pub fn decide(
        &self,
        start: Millis,
        invitee_email: Option<&str>,
    ) -> Result<Vec<usize>, SlotRefusal> {
        let event_type = self.event_type;
        if start < self.now.saturating_add(event_type.minimum_notice) {
            return Err(SlotRefusal::TooSoon);
        }
        if start >= self.now.saturating_add(event_type.horizon) {
            return Err(SlotRefusal::BeyondHorizon);
        }
        if !on_grid(self.zone, event_type.step, start) {
            return Err(SlotRefusal::OffGrid);
        }
        if let Some(most) = event_type.max_per_day {
            let booked = self
                .per_day
                .get(&local_day(self.zone, start))
                .copied()
                .unwrap_or(0);
            if booked >= most {
                return Err(SlotRefusal::DayFull);
            }
        }
        let (Some(widened), Some(meeting)) = (
            Self::needs(event_type, start),
            Interval::new(start, start.saturating_add(event_type.duration)),
        ) else {
            return Err(SlotRefusal::Unavailable);
        };
        if widened.intersection(&self.window) != Some(widened) {
            return Err(SlotRefusal::Unavailable);
        }
        let free: Vec<usize> = (0..self.hosts.len())
            .filter(|&index| {
                let host = &self.hosts[index];
                host.free.clip(widened).as_slice() == [widened] && !host.buffers.overlaps(meeting)
            })
            .collect();
        let under_limit = |index: &usize| {
            invitee_email.is_none_or(|email| {
                self.hosts[*index]
                    .upcoming_by_email
                    .get(&email.to_lowercase())
                    .copied()
                    .unwrap_or(0)
                    < MAX_UPCOMING_PER_INVITEE
            })
        };
        match event_type.assignment {
            Assignment::All if free.len() < self.hosts.len() || free.is_empty() => {
                Err(SlotRefusal::Unavailable)
            }
            Assignment::All if !free.iter().all(under_limit) => Err(SlotRefusal::InviteeLimit),
            Assignment::All => Ok(free),
            Assignment::One if free.is_empty() => Err(SlotRefusal::Unavailable),
            Assignment::One => free
                .into_iter()
                .filter(under_limit)
                .min_by_key(|index| (self.hosts[*index].upcoming_of_this_type, *index))
                .map(|index| vec![index])
                .ok_or(SlotRefusal::InviteeLimit),
        }
    }

    /// The meetings that [`Offer::decide`] accepts within `[from, to)`, in start order: every
    /// start of the event type's step grid, decided. Only the starts where some host's free
    /// time could hold the meeting and its buffers (`possible_starts`) are decided:
    /// `decide` refuses every other start as `unavailable`, and skipping them skips the nights
    /// and weekends, where deciding each start (its grid and zone offsets) cost most.
    pub fn slots(&self, from: Millis, to: Millis) -> impl Iterator<Item = Interval> + '_ {
        let duration = self.event_type.duration;
        let earliest = from.max(self.now.saturating_add(self.event_type.minimum_notice));
        let latest_end = to.min(self.now.saturating_add(self.event_type.horizon) + duration);
        let end = latest_end.saturating_sub(duration).saturating_add(1);
        self.possible_starts()
            .into_iter()
            .flat_map(move |starts| {
                grid_starts(
                    self.zone,
                    self.event_type.step,
                    starts.start().max(earliest),
                    starts.end().min(end),
                )
            })
            .filter(move |start| self.decide(*start, None).is_ok())
            .filter_map(move |start| Interval::new(start, start + duration))
    }

    /// Where a start can be accepted at all, in order and disjoint: `decide` needs the meeting
    /// widened by the buffers inside one free interval of a host (of every host, for
    /// `assignment: "all"`), so a start lies in `[free.start + buffer_before, free.end -
    /// duration - buffer_after]` of one of them.
    fn possible_starts(&self) -> Vec<Interval> {
        let event_type = self.event_type;
        let ranges = self
            .hosts
            .iter()
            .flat_map(|host| host.free.as_slice())
            .filter_map(|free| {
                let first = free.start().checked_add(event_type.buffer_before)?;
                let last = free
                    .end()
                    .checked_sub(event_type.duration)?
                    .checked_sub(event_type.buffer_after)?;
                Interval::new(first, last.checked_add(1)?)
            })
            .collect();
        IntervalSet::from_intervals(ranges).as_slice().to_vec()
    }
}

/// The number of the local date `instant` falls on in `zone` (days since 1970-01-01 there).
fn local_day(zone: Zone, instant: Millis) -> i64 {
    let offset = Millis::from(zone.utc_offset_at(instant.div_euclid(1000))) * 1000;
    (instant + offset).div_euclid(DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::{Booking, Invited, Invitee};
    use crate::domain::test_support::{at, interval, set};
    use crate::domain::time::{HOUR_MS, MINUTE_MS};

    fn event_type(zone: &str) -> EventType {
        EventType {
            slug: "call".to_owned(),
            title: "Call".to_owned(),
            duration: 30 * MINUTE_MS,
            step: 30 * MINUTE_MS,
            buffer_before: 0,
            buffer_after: 0,
            minimum_notice: 0,
            horizon: 60 * DAY_MS,
            max_per_day: None,
            timezone: zone.to_owned(),
            hosts: vec!["host".to_owned()],
            assignment: Assignment::All,
            location: None,
            description: None,
            active: true,
        }
    }

    /// A booking of `slug` (by "host"), `from`..`to`, with the buffers its event type had.
    fn booked(id: &str, slug: &str, from: &str, to: &str, buffer_after: Millis) -> Booking {
        Booking {
            id: id.to_owned(),
            range: interval(from, to),
            organizer: "host".to_owned(),
            participants: vec!["host".to_owned()],
            title: None,
            created_at: 0,
            invited: Some(Box::new(Invited {
                owner: "host".to_owned(),
                event_type: slug.to_owned(),
                buffer_before: 0,
                buffer_after,
                invitee: Invitee {
                    name: "Ina".to_owned(),
                    email: format!("{id}@example.com"),
                    timezone: None,
                },
                note: None,
                sequence: 0,
                manage_hash: String::new(),
                cancellation: None,
            })),
        }
    }

    fn host_with(free: (&str, &str), bookings: Vec<Booking>) -> UserRecord {
        UserRecord {
            bookings,
            ..UserRecord::default().with_added(&set(&[free]))
        }
    }

    const NOW: &str = "2026-03-01T00:00:00Z";
    const DAY: (&str, &str) = ("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z");

    #[test]
    fn max_per_day_counts_the_event_type_s_local_date_not_utc() {
        let tokyo = EventType {
            max_per_day: Some(2),
            ..event_type("Asia/Tokyo")
        };
        // 01:00 and 02:00 on 3 March in Tokyo, still 2 March in UTC.
        let host = host_with(
            DAY,
            vec![
                booked(
                    "a",
                    "call",
                    "2026-03-02T16:00:00Z",
                    "2026-03-02T16:30:00Z",
                    0,
                ),
                booked(
                    "b",
                    "call",
                    "2026-03-02T17:00:00Z",
                    "2026-03-02T17:30:00Z",
                    0,
                ),
            ],
        );
        let offer = Offer::new(
            "host",
            &tokyo,
            &[&host],
            interval(DAY.0, DAY.1),
            at(NOW),
            None,
        );
        // 23:00 on 2 March in Tokyo: another local date.
        assert_eq!(offer.decide(at("2026-03-02T14:00:00Z"), None), Ok(vec![0]));
        assert_eq!(
            offer.decide(at("2026-03-02T18:00:00Z"), None),
            Err(SlotRefusal::DayFull)
        );
        // Moving one of the two counts for nothing against itself.
        let moving = Offer::new(
            "host",
            &tokyo,
            &[&host],
            interval(DAY.0, DAY.1),
            at(NOW),
            Some("a"),
        );
        assert_eq!(moving.decide(at("2026-03-02T18:00:00Z"), None), Ok(vec![0]));
        // Bookings of another event type do not count.
        let other = EventType {
            slug: "other".to_owned(),
            ..tokyo.clone()
        };
        let offer = Offer::new(
            "host",
            &other,
            &[&host],
            interval(DAY.0, DAY.1),
            at(NOW),
            None,
        );
        assert_eq!(offer.decide(at("2026-03-02T18:00:00Z"), None), Ok(vec![0]));
    }

    #[test]
    fn another_event_type_s_buffer_keeps_meetings_out_and_its_own_buffers_need_free_time() {
        // A booking of another event type, 10:00-11:00, with 30 minutes after it.
        let host = host_with(
            ("2026-03-02T09:00:00Z", "2026-03-02T13:00:00Z"),
            vec![booked(
                "a",
                "other",
                "2026-03-02T10:00:00Z",
                "2026-03-02T11:00:00Z",
                30 * MINUTE_MS,
            )],
        );
        let plain = event_type("UTC");
        let offer = Offer::new(
            "host",
            &plain,
            &[&host],
            interval(DAY.0, DAY.1),
            at(NOW),
            None,
        );
        let starts: Vec<Millis> = offer
            .slots(at("2026-03-02T00:00:00Z"), at("2026-03-03T00:00:00Z"))
            .map(|slot| slot.start())
            .collect();
        assert_eq!(
            starts,
            [
                at("2026-03-02T09:00:00Z"),
                at("2026-03-02T09:30:00Z"),
                at("2026-03-02T11:30:00Z"),
                at("2026-03-02T12:00:00Z"),
                at("2026-03-02T12:30:00Z"),
            ]
        );
        assert_eq!(
            offer.decide(at("2026-03-02T11:00:00Z"), None),
            Err(SlotRefusal::Unavailable)
        );
        // Its own buffer before may overlap the other's buffer after, not the booking.
        let buffered = EventType {
            buffer_before: 30 * MINUTE_MS,
            ..plain
        };
        let offer = Offer::new(
            "host",
            &buffered,
            &[&host],
            interval(DAY.0, DAY.1),
            at(NOW),
            None,
        );
        assert_eq!(offer.decide(at("2026-03-02T11:30:00Z"), None), Ok(vec![0]));
        assert_eq!(
            offer.decide(at("2026-03-02T09:00:00Z"), None),
            Err(SlotRefusal::Unavailable),
            "30 minutes before 09:00 are not free"
        );
    }

    #[test]
    fn a_new_york_grid_holds_its_wall_clock_across_both_changes() {
        let new_york = EventType {
            duration: HOUR_MS,
            step: HOUR_MS,
            horizon: 400 * DAY_MS,
            ..event_type("America/New_York")
        };
        let free = UserRecord::default().with_added(&set(&[
            ("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z"),
            ("2026-10-30T00:00:00Z", "2026-11-03T00:00:00Z"),
        ]));
        let window = interval("2026-03-01T00:00:00Z", "2026-12-01T00:00:00Z");
        let offer = Offer::new("host", &new_york, &[&free], window, at(NOW), None);
        // On the hour of New York's wall clock, whatever the offset: EST -5, EDT -4.
        for on in [
            "2026-03-06T14:00:00Z",
            "2026-03-09T13:00:00Z",
            "2026-10-30T13:00:00Z",
            "2026-11-02T14:00:00Z",
        ] {
            assert_eq!(offer.decide(at(on), None), Ok(vec![0]), "{on}");
        }
        // The skipped hour of 8 March (02:00-03:00 local) holds one start, 03:00 EDT = 07:00Z.
        let sunday: Vec<Millis> = offer
            .slots(at("2026-03-08T05:00:00Z"), at("2026-03-08T09:00:00Z"))
            .map(|slot| slot.start())
            .collect();
        assert_eq!(
            sunday,
            [
                at("2026-03-08T05:00:00Z"),
                at("2026-03-08T06:00:00Z"),
                at("2026-03-08T07:00:00Z"),
                at("2026-03-08T08:00:00Z")
            ]
        );
        // The repeated hour of 1 November (01:00 twice) is on the grid twice: 05:00Z and 06:00Z.
        for twice in ["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z"] {
            assert_eq!(offer.decide(at(twice), None), Ok(vec![0]), "{twice}");
        }
        assert_eq!(
            offer.decide(at("2026-11-01T05:30:00Z"), None),
            Err(SlotRefusal::OffGrid)
        );
    }
}
