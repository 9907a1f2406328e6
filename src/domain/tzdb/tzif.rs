//! A read-only view of one zone's TZif data (RFC 8536, version 2 or later) in the bundled
//! database: the data stays where the binary has it, nothing is copied. [`Tzif::parse`] checks
//! every index once, so lookups afterwards need no checks that could fail.

use super::posix::{Designated, PosixRule, Transitions};

#[derive(Debug)]
pub(super) struct Tzif {
    /// Transition instants, big-endian `i64` seconds, ascending.
    times: &'static [u8],
    /// For each transition, the index of the local time type that follows it.
    type_indexes: &'static [u8],
    /// The local time types, each the offset and the abbreviation; kept for the process's life.
    types: &'static [Designated],
    /// What holds after the last transition (and everywhere, for a zone without transitions).
    footer: Option<PosixRule>,
}

const HEADER_LEN: usize = 44;

impl Tzif {
    pub(super) const UTC: Tzif = Tzif {
        times: &[],
        type_indexes: &[],
        types: &[Designated {
            offset: 0,
            abbreviation: "UTC",
        }],
        footer: None,
    };

    /// Reads a TZif file, or `None` when it is not well formed. Only the 64-bit data of
    /// version 2 and later is read; leap second records are skipped (the bundle has none, and
    /// the API counts POSIX time).
    pub(super) fn parse(data: &'static [u8]) -> Option<Tzif> {
        let v1 = Header::read(data)?;
        if v1.version < b'2' {
            return None;
        }
        let body = data.get(HEADER_LEN + v1.block_len(4)?..)?;
        let header = Header::read(body)?;
        let mut rest = body.get(HEADER_LEN..)?;
        let mut take = |len: usize| -> Option<&'static [u8]> {
            let (taken, left) = rest.split_at_checked(len)?;
            rest = left;
            Some(taken)
        };
        let times = take(header.timecnt.checked_mul(8)?)?;
        let type_indexes = take(header.timecnt)?;
        let type_records = take(header.typecnt.checked_mul(6)?)?;
        let designations = take(header.charcnt)?;
        take(header.leapcnt.checked_mul(12)?)?;
        take(header.isstdcnt)?;
        take(header.isutcnt)?;
        let footer = std::str::from_utf8(rest).ok()?;
        let footer = footer.strip_prefix('\n')?.strip_suffix('\n')?;

        let types = type_records
            .chunks_exact(6)
            .map(|record| {
                let offset = i32::from_be_bytes(record[..4].try_into().ok()?);
                // chrono's offsets stay within a day; every zone's do.
                if offset.abs() >= 86_400 {
                    return None;
                }
                let from = usize::from(record[5]);
                let length = designations.get(from..)?.iter().position(|&b| b == 0)?;
                let abbreviation = std::str::from_utf8(&designations[from..from + length]).ok()?;
                Some(Designated {
                    offset,
                    abbreviation,
                })
            })
            .collect::<Option<Box<[Designated]>>>()?;
        if types.is_empty() || type_indexes.iter().any(|&i| usize::from(i) >= types.len()) {
            return None;
        }
        let ascending = times
            .chunks_exact(8)
            .zip(times.chunks_exact(8).skip(1))
            .all(|(a, b)| be_i64(a) < be_i64(b));
        if !ascending {
            return None;
        }
        let footer = if footer.is_empty() {
            None
        } else {
            let rule = PosixRule::parse(footer)?;
            let offsets = [Some(rule.std), rule.dst.map(|dst| dst.designated)];
            if offsets.iter().flatten().any(|d| d.offset.abs() >= 86_400) {
                return None;
            }
            Some(rule)
        };
        Some(Tzif {
            times,
            type_indexes,
            // Zones are read once and kept (see `Zone::named`), so this leaks once per zone.
            types: Box::leak(types),
            footer,
        })
    }

    /// The last listed transition, after which the footer rule holds.
    #[cfg(test)]
    pub(super) fn last_transition(&self) -> Option<i64> {
        self.transition_count()
            .checked_sub(1)
            .map(|last| self.time(last))
    }

    fn transition_count(&self) -> usize {
        self.type_indexes.len()
    }

    fn time(&self, index: usize) -> i64 {
        be_i64(&self.times[8 * index..8 * index + 8])
    }

    fn type_after(&self, index: usize) -> Designated {
        self.types[usize::from(self.type_indexes[index])]
    }

    /// How many listed transitions happen at or before `utc`.
    fn transitions_until(&self, utc: i64) -> usize {
        let (mut low, mut high) = (0, self.transition_count());
        while low < high {
            let middle = low + (high - low) / 2;
            if self.time(middle) <= utc {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// The offset and abbreviation in force at `utc` (seconds since the epoch).
    pub(super) fn designated_at(&self, utc: i64) -> Designated {
        let utc = within_reach(utc);
        let count = self.transition_count();
        let passed = self.transitions_until(utc);
        match (passed, &self.footer) {
            // RFC 8536 3.2: before the first transition, the first type; after the last, the
            // footer, which also covers a zone with no transitions at all.
            (passed, Some(footer)) if passed == count => footer.designated_at(utc),
            (0, _) => self.types[0],
            (passed, _) => self.type_after(passed - 1),
        }
    }

    /// Calls `each` with every change of offset in `(from, to]`, in time order: its instant,
    /// the offset before and the offset after. Only real changes of the UTC offset count, not
    /// a change of abbreviation alone.
    pub(super) fn for_each_change(&self, from: i64, to: i64, mut each: impl FnMut(i64, i32, i32)) {
        let (from, to) = (within_reach(from), within_reach(to));
        let mut before = self.designated_at(from).offset;
        let mut visit = |at: i64, after: i32| {
            if at > from && at <= to && after != before {
                each(at, before, after);
            }
            if at > from && at <= to {
                before = after;
            }
        };
        let count = self.transition_count();
        let mut index = self.transitions_until(from);
        while index < count && self.time(index) <= to {
            visit(self.time(index), self.type_after(index).offset);
            index += 1;
        }
        let Some(footer) = &self.footer else {
            return;
        };
        let last = if count == 0 {
            i64::MIN
        } else {
            self.time(count - 1)
        };
        if to <= last {
            return;
        }
        // The footer's changes after the last listed transition, year by year.
        let first_year = year_of(from.max(last));
        let last_year = year_of(to);
        let mut year = first_year;
        while year <= last_year {
            let transitions: Option<Transitions> = footer.transitions_around(year);
            let Some(transitions) = transitions else {
                return;
            };
            for (at, designated) in transitions {
                // Each year's transitions appear in three calls; take them from this one only
                // when they lie in its own year, so that none is visited twice.
                if at > last && year_of(at) == year {
                    visit(at, designated.offset);
                }
            }
            year += 1;
        }
    }
}

/// About 31 million years either side of 1970, far beyond chrono's dates: the footer's
/// calendar arithmetic cannot overflow within it.
const REACH: i64 = 1_000_000_000_000_000;

fn within_reach(utc: i64) -> i64 {
    utc.clamp(-REACH, REACH)
}

fn year_of(utc: i64) -> i64 {
    // Close enough to pick the years to look at: the callers scan a margin around it.
    utc.div_euclid(31_556_952) + 1970
}

fn be_i64(bytes: &[u8]) -> i64 {
    let mut array = [0; 8];
    array.copy_from_slice(bytes);
    i64::from_be_bytes(array)
}

struct Header {
    version: u8,
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

impl Header {
    fn read(data: &[u8]) -> Option<Header> {
        let header = data.get(..HEADER_LEN)?;
        if &header[..4] != b"TZif" {
            return None;
        }
        let count = |i: usize| -> Option<usize> {
            let bytes = header.get(20 + 4 * i..24 + 4 * i)?;
            usize::try_from(u32::from_be_bytes(bytes.try_into().ok()?)).ok()
        };
        Some(Header {
            version: header[4],
            isutcnt: count(0)?,
            isstdcnt: count(1)?,
            leapcnt: count(2)?,
            timecnt: count(3)?,
            typecnt: count(4)?,
            charcnt: count(5)?,
        })
    }

    /// The length of the data block after this header, with `time_size`-byte times.
    fn block_len(&self, time_size: usize) -> Option<usize> {
        [
            self.timecnt.checked_mul(time_size + 1)?,
            self.typecnt.checked_mul(6)?,
            self.charcnt,
            self.leapcnt.checked_mul(time_size + 4)?,
            self.isstdcnt,
            self.isutcnt,
        ]
        .into_iter()
        .try_fold(0usize, |sum, len| sum.checked_add(len))
    }
}
