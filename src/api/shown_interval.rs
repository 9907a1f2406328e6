//! The `{"start_time", "end_time"}` shape every interval of a response takes.

use crate::domain::Interval;
use crate::domain::timestamp::Zone;
use crate::domain::timestamp::{FormattedTimestamp, format_timestamp_in};
use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct};

/// One interval as the API shows it: `{"start_time", "end_time"}`, in UTC with `Z` (formatted on
/// the stack: no `String` per timestamp) or in the read's `tz`.
pub(crate) struct ShownInterval(pub(crate) Interval, pub(crate) Option<Zone>);

impl Serialize for ShownInterval {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let ShownInterval(interval, zone) = *self;
        let mut item = serializer.serialize_struct("Interval", 2)?;
        match zone {
            None => {
                item.serialize_field(
                    "start_time",
                    FormattedTimestamp::new(interval.start()).as_str(),
                )?;
                item.serialize_field("end_time", FormattedTimestamp::new(interval.end()).as_str())?;
            }
            Some(zone) => {
                item.serialize_field("start_time", &format_timestamp_in(interval.start(), zone))?;
                item.serialize_field("end_time", &format_timestamp_in(interval.end(), zone))?;
            }
        }
        item.end()
    }
}

/// Intervals as the API shows them: `[{"start_time": "...Z", "end_time": "...Z"}]`, in the
/// read's `tz` when it names one.
pub(crate) struct IntervalList<'a>(pub(crate) &'a [Interval], pub(crate) Option<Zone>);

impl Serialize for IntervalList<'_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for &interval in self.0 {
            seq.serialize_element(&ShownInterval(interval, self.1))?;
        }
        seq.end()
    }
}
