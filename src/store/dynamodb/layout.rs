//! The table layout: which items hold a user's record, and how they are read back whole.
//!
//! One user is one partition (`pk` = the user id). Sort keys, in their sort order:
//!
//! - `chunk#0001`, …: pieces of the meta item's `data` beyond the first, when it is long.
//! - `meta`: `version`, `layout`, `epoch`, `intervals` (how many the user holds), `writes` (the
//!   latest write tokens), `chunks`, and `data`: the record without the intervals that live in
//!   month items (its schedule, and the intervals that cross a month's end).
//! - `month#{epoch}#{YYYY-MM}` (and `…#01`, … when long): `version` (of the write that last
//!   wrote it), `pieces`, `data`: the slots and removed ranges that lie wholly in that month.
//!
//! Records are MessagePack with named fields; interval sets pack 16 bytes an interval. Every
//! piece is at most [`CHUNK_BYTES`], far below DynamoDB's 400 KB item limit.
//!
//! Layout 1 (before months) had only `meta` and `chunk#…`, with every interval in `data`: it
//! reads as layout 2 without month items, and its next write moves it into months.

use crate::domain::time::Month;
use crate::domain::{Interval, IntervalSet, UserRecord};
use crate::store::StoreError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Key attribute names; template.yaml declares the same.
pub const PARTITION_KEY: &str = "pk";
pub const SORT_KEY: &str = "sk";
pub(super) const META_SORT_KEY: &str = crate::store::META_SORT_KEY;
/// Sorts before `meta`, so one key range reads the meta item and its chunks.
pub(super) const CHUNK_SORT_KEY_PREFIX: &str = "chunk#";
const MONTH_SORT_KEY_PREFIX: &str = "month#";
const VERSION: &str = "version";
const LAYOUT: &str = "layout";
const EPOCH: &str = "epoch";
const RETIRED_EPOCH: &str = "retired_epoch";
const INTERVALS: &str = "intervals";
const WRITES: &str = "writes";
const CHUNKS: &str = "chunks";
const PIECES: &str = "pieces";
const DATA: &str = "data";

/// The layout this code writes (items without a `layout` attribute are layout 1).
pub(super) const CURRENT_LAYOUT: u64 = 2;
/// Record bytes per item: the rest of the 400 KB item limit stays free for keys and names.
pub const CHUNK_BYTES: usize = 300_000;
/// The most the meta item's record may take (100,000 intervals, the API's limit per user,
/// take 1.6 MB), so that it always fits one transaction's 4 MB.
pub(super) const MAX_RECORD_BYTES: usize = 12 * CHUNK_BYTES;
/// Write tokens kept on the meta item: enough that writes landing between one attempt's commit
/// and its retry (within the SDK's 3 s operation timeout) do not push its token out.
pub(super) const RECENT_WRITES: usize = 16;

pub(super) type Item = HashMap<String, AttributeValue>;

/// The meta item (with its chunks) as a read found it.
#[derive(Debug)]
pub(super) struct Meta {
    pub(super) version: u64,
    pub(super) layout: u64,
    /// Names the user's current set of month items; `None` while there are none.
    pub(super) epoch: Option<String>,
    /// The set of month items a rebuild replaced, deleted by the next rebuild (not at once: a
    /// read that met the meta item just before the rebuild may still be reading them).
    pub(super) retired_epoch: Option<String>,
    /// The schedule and other fields, and the intervals that are not in month items.
    pub(super) record: UserRecord,
    /// Every interval the user holds, month items' included.
    pub(super) intervals: usize,
    pub(super) chunk_items: usize,
    /// Tokens of the latest writes, oldest first.
    pub(super) recent_writes: Vec<String>,
}

impl Meta {
    /// A user never written.
    fn absent() -> Meta {
        Meta {
            version: 0,
            layout: CURRENT_LAYOUT,
            epoch: None,
            retired_epoch: None,
            record: UserRecord::default(),
            intervals: 0,
            chunk_items: 0,
            recent_writes: Vec::new(),
        }
    }
}

/// What one month item holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct MonthPart {
    pub(super) slots: IntervalSet,
    pub(super) removed: IntervalSet,
}

/// A month item (with its pieces) as a read found it.
#[derive(Debug)]
pub(super) struct StoredMonth {
    pub(super) pieces: usize,
    pub(super) part: MonthPart,
}

/// The months from `first` to `last`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct MonthSpan {
    pub(super) first: Month,
    pub(super) last: Month,
}

impl MonthSpan {
    /// The months that hold an instant of `window`.
    pub(super) fn meeting(window: Interval) -> MonthSpan {
        MonthSpan {
            first: Month::of(window.start()),
            last: Month::of(window.end() - 1),
        }
    }

    /// The months that can hold an interval sharing an instant with `range` or touching it.
    pub(super) fn near(range: Interval) -> MonthSpan {
        MonthSpan {
            first: Month::of(range.start() - 1),
            last: Month::of(range.end()),
        }
    }

    pub(super) fn everything() -> MonthSpan {
        MonthSpan::near(Interval::ALL)
    }

    pub(super) fn holds(&self, month: Month) -> bool {
        (self.first..=self.last).contains(&month)
    }

    /// The sort keys bounding this span's items of `epoch`.
    pub(super) fn key_range(&self, epoch: &str) -> (String, String) {
        (
            format!("{MONTH_SORT_KEY_PREFIX}{epoch}#{}", self.first.key()),
            format!("{MONTH_SORT_KEY_PREFIX}{epoch}#{}#~", self.last.key()),
        )
    }
}

/// The sort keys bounding every month item of `epoch`.
pub(super) fn epoch_key_range(epoch: &str) -> (String, String) {
    (
        format!("{MONTH_SORT_KEY_PREFIX}{epoch}#"),
        format!("{MONTH_SORT_KEY_PREFIX}{epoch}#~"),
    )
}

/// Splits `record` by where its intervals are stored: each one that lies wholly in a month of
/// `span` goes to that month's part (months of `span` without any get an empty part); the rest
/// stays in the returned record, which the meta item holds.
pub(super) fn partition(
    record: &UserRecord,
    span: MonthSpan,
) -> (UserRecord, BTreeMap<Month, MonthPart>) {
    let mut months: BTreeMap<Month, (Vec<Interval>, Vec<Interval>)> = BTreeMap::new();
    let mut place = |set: &IntervalSet, slots: bool| -> IntervalSet {
        let mut elsewhere = Vec::new();
        for &interval in set.as_slice() {
            let month = Month::of(interval.start());
            if month == Month::of(interval.end() - 1) && span.holds(month) {
                let (month_slots, month_removed) = months.entry(month).or_default();
                if slots { month_slots } else { month_removed }.push(interval);
            } else {
                elsewhere.push(interval);
            }
        }
        IntervalSet::from_normalized(elsewhere)
    };
    let meta = UserRecord {
        slots: place(&record.slots, true),
        removed: place(&record.removed, false),
        held_elsewhere: 0,
        ..record.clone()
    };
    let parts = months
        .into_iter()
        .map(|(month, (slots, removed))| {
            let part = MonthPart {
                slots: IntervalSet::from_normalized(slots),
                removed: IntervalSet::from_normalized(removed),
            };
            (month, part)
        })
        .collect();
    (meta, parts)
}

/// The meta item from one read's items (`chunk#…` and `meta`); `None` when the chunks are of
/// another version than the meta item (a write landed between the read's pages).
pub(super) fn read_meta(items: &[Item]) -> Result<Option<Meta>, StoreError> {
    let Some(meta) = items.iter().find(|item| sort_key(item) == META_SORT_KEY) else {
        return Ok(Some(Meta::absent()));
    };
    let version: u64 = parse_number(meta, VERSION)?;
    let chunk_items: usize = parse_number(meta, CHUNKS)?;
    let mut pieces: Vec<Option<&[u8]>> = vec![None; chunk_items];
    for item in items {
        let Some(piece) = sort_key(item)
            .strip_prefix(CHUNK_SORT_KEY_PREFIX)
            .and_then(|index| index.parse::<usize>().ok()?.checked_sub(1))
            .and_then(|index| pieces.get_mut(index))
        else {
            continue;
        };
        if parse_number::<u64>(item, VERSION)? != version {
            return Ok(None);
        }
        *piece = Some(bytes(item, DATA)?);
    }
    let mut encoded = bytes(meta, DATA)?.to_vec();
    for piece in pieces {
        // A chunk the meta item counts but the read did not return: it raced a write.
        let Some(piece) = piece else { return Ok(None) };
        encoded.extend_from_slice(piece);
    }
    let mut record: UserRecord = rmp_serde::from_slice(&encoded)
        .map_err(|e| StoreError::Internal(format!("a stored record does not decode: {e}")))?;
    record.version = version;
    let layout = optional_number(meta, LAYOUT)?.unwrap_or(1);
    let intervals = optional_number(meta, INTERVALS)?.unwrap_or(record.interval_count());
    Ok(Some(Meta {
        version,
        layout,
        epoch: string(meta, EPOCH).map(str::to_owned),
        retired_epoch: string(meta, RETIRED_EPOCH).map(str::to_owned),
        record,
        intervals,
        chunk_items,
        recent_writes: written_tokens(meta)?,
    }))
}

/// One piece of a month item: its index, version and data.
type Piece<'a> = (usize, u64, &'a [u8]);

/// The month items of one read, by month; `None` when one was written after the meta item
/// the read saw (`version` above `newest`) or its pieces disagree (a write landed between).
pub(super) fn read_months(
    items: &[Item],
    newest: u64,
) -> Result<Option<BTreeMap<Month, StoredMonth>>, StoreError> {
    let mut pieces: BTreeMap<Month, Vec<Piece<'_>>> = BTreeMap::new();
    let mut declared: BTreeMap<Month, usize> = BTreeMap::new();
    for item in items {
        let sort_key = sort_key(item);
        let mut fields = sort_key.splitn(4, '#').skip(2);
        let month = fields
            .next()
            .and_then(Month::from_key)
            .ok_or_else(|| malformed(item, SORT_KEY, "a month key"))?;
        let index = match fields.next() {
            None => {
                declared.insert(month, parse_number(item, PIECES)?);
                0
            }
            Some(index) => index
                .parse()
                .map_err(|_| malformed(item, SORT_KEY, "a piece number"))?,
        };
        let version = parse_number(item, VERSION)?;
        if version > newest {
            return Ok(None);
        }
        pieces
            .entry(month)
            .or_default()
            .push((index, version, bytes(item, DATA)?));
    }
    let mut months = BTreeMap::new();
    for (month, mut found) in pieces {
        // Pieces without a first one at most as new as the meta item: left over, not current.
        let Some(&count) = declared.get(&month) else {
            continue;
        };
        found.sort_unstable_by_key(|(index, ..)| *index);
        // Pieces past the count are left from a longer past; the rest must be one write's.
        found.truncate(count);
        let version = found.first().map_or(0, |(_, version, _)| *version);
        let whole = found.len() == count
            && found
                .iter()
                .enumerate()
                .all(|(at, (index, v, _))| *index == at && *v == version);
        if !whole {
            return Ok(None);
        }
        let encoded: Vec<u8> = found
            .iter()
            .flat_map(|(.., data)| data.iter())
            .copied()
            .collect();
        let part: MonthPart = rmp_serde::from_slice(&encoded)
            .map_err(|e| StoreError::Internal(format!("a stored month does not decode: {e}")))?;
        months.insert(
            month,
            StoredMonth {
                pieces: count,
                part,
            },
        );
    }
    Ok(Some(months))
}

/// What the meta item of a write says besides its record.
pub(super) struct MetaFields<'a> {
    pub(super) version: u64,
    pub(super) epoch: Option<&'a str>,
    pub(super) retired_epoch: Option<&'a str>,
    pub(super) intervals: usize,
    pub(super) recent_writes: AttributeValue,
}

/// The meta item and its chunk items for `record` (without the month items' intervals).
pub(super) fn meta_items(
    user_id: &str,
    record: &UserRecord,
    fields: &MetaFields<'_>,
) -> Result<(Item, Vec<Item>), StoreError> {
    let encoded = encode(record)?;
    if encoded.len() > MAX_RECORD_BYTES {
        return Err(StoreError::Internal(format!(
            "the meta record of {user_id} takes {} bytes; the store holds at most {MAX_RECORD_BYTES}",
            encoded.len()
        )));
    }
    let mut pieces = encoded.chunks(CHUNK_BYTES);
    let first = pieces.next().unwrap_or_default();
    let chunks: Vec<Item> = (1..)
        .zip(pieces)
        .map(|(index, piece)| piece_item(user_id, &chunk_sort_key(index), fields.version, piece))
        .collect();
    let mut meta = piece_item(user_id, META_SORT_KEY, fields.version, first);
    meta.insert(CHUNKS.to_owned(), number(chunks.len()));
    meta.insert(LAYOUT.to_owned(), number(CURRENT_LAYOUT));
    meta.insert(INTERVALS.to_owned(), number(fields.intervals));
    meta.insert(WRITES.to_owned(), fields.recent_writes.clone());
    if let Some(epoch) = fields.epoch {
        meta.insert(EPOCH.to_owned(), AttributeValue::S(epoch.to_owned()));
    }
    if let Some(retired) = fields.retired_epoch {
        meta.insert(
            RETIRED_EPOCH.to_owned(),
            AttributeValue::S(retired.to_owned()),
        );
    }
    // Only a record owing deliveries is in the outbox index (see `outbox.rs`).
    if let Some(due) = record.next_delivery() {
        meta.insert(
            super::outbox::OUTBOX_SHARD.to_owned(),
            AttributeValue::S(super::outbox::OUTBOX_SHARD_VALUE.to_owned()),
        );
        meta.insert(
            super::outbox::OUTBOX_DUE.to_owned(),
            AttributeValue::N(due.to_string()),
        );
    }
    Ok((meta, chunks))
}

/// The items of one month at `version`: the first carries how many there are.
pub(super) fn month_items(
    user_id: &str,
    epoch: &str,
    month: Month,
    version: u64,
    part: &MonthPart,
) -> Result<Vec<Item>, StoreError> {
    let encoded = encode(part)?;
    let pieces: Vec<&[u8]> = encoded.chunks(CHUNK_BYTES).collect();
    let count = pieces.len().max(1);
    let mut items: Vec<Item> = (0..count)
        .map(|index| {
            let piece = pieces.get(index).copied().unwrap_or_default();
            piece_item(
                user_id,
                &month_sort_key(epoch, month, index),
                version,
                piece,
            )
        })
        .collect();
    if let Some(first) = items.first_mut() {
        first.insert(PIECES.to_owned(), number(count));
    }
    Ok(items)
}

/// The keys of a month's pieces from `from` to `to` (excluded): those a shorter month leaves.
pub(super) fn month_piece_keys(
    user_id: &str,
    epoch: &str,
    month: Month,
    pieces: std::ops::Range<usize>,
) -> Vec<Item> {
    pieces
        .map(|index| key(user_id, &month_sort_key(epoch, month, index)))
        .collect()
}

pub(super) fn chunk_key(user_id: &str, index: usize) -> Item {
    key(user_id, &chunk_sort_key(index))
}

fn encode(value: &impl Serialize) -> Result<Vec<u8>, StoreError> {
    rmp_serde::to_vec_named(value)
        .map_err(|e| StoreError::Internal(format!("encoding a stored record: {e}")))
}

/// The meta item's write tokens; none on an item written before they existed.
fn written_tokens(meta: &Item) -> Result<Vec<String>, StoreError> {
    let Some(value) = meta.get(WRITES) else {
        return Ok(Vec::new());
    };
    value
        .as_l()
        .ok()
        .and_then(|tokens| {
            tokens
                .iter()
                .map(|token| token.as_s().ok().cloned())
                .collect()
        })
        .ok_or_else(|| malformed(meta, WRITES, "a list of strings"))
}

/// `previous` tokens with `token` added last, keeping the latest [`RECENT_WRITES`].
pub(super) fn recent_writes(previous: &[String], token: &str) -> AttributeValue {
    let kept = &previous[previous.len().saturating_sub(RECENT_WRITES - 1)..];
    AttributeValue::L(
        kept.iter()
            .map(String::as_str)
            .chain([token])
            .map(|token| AttributeValue::S(token.to_owned()))
            .collect(),
    )
}

/// An item of the user's partition holding one piece of a record at `version`.
fn piece_item(user_id: &str, sort_key: &str, version: u64, piece: &[u8]) -> Item {
    let mut item = key(user_id, sort_key);
    item.insert(VERSION.to_owned(), number(version));
    item.insert(DATA.to_owned(), AttributeValue::B(Blob::new(piece)));
    item
}

pub(super) fn sort_key(item: &Item) -> &str {
    string(item, SORT_KEY).unwrap_or_default()
}

pub(super) fn key(user_id: &str, sort_key: &str) -> Item {
    HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            AttributeValue::S(user_id.to_owned()),
        ),
        (SORT_KEY.to_owned(), AttributeValue::S(sort_key.to_owned())),
    ])
}

/// Zero-padded so that the partition's sort order is the pieces' order.
fn chunk_sort_key(index: usize) -> String {
    format!("{CHUNK_SORT_KEY_PREFIX}{index:04}")
}

fn month_sort_key(epoch: &str, month: Month, index: usize) -> String {
    match index {
        0 => format!("{MONTH_SORT_KEY_PREFIX}{epoch}#{}", month.key()),
        _ => format!("{MONTH_SORT_KEY_PREFIX}{epoch}#{}#{index:02}", month.key()),
    }
}

pub(super) fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)?.as_s().ok().map(String::as_str)
}

fn parse_number<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    optional_number(item, name)?.ok_or_else(|| malformed(item, name, "a number"))
}

fn optional_number<T: std::str::FromStr>(item: &Item, name: &str) -> Result<Option<T>, StoreError> {
    let Some(value) = item.get(name) else {
        return Ok(None);
    };
    value
        .as_n()
        .ok()
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(|| malformed(item, name, "a number"))
}

fn bytes<'a>(item: &'a Item, name: &str) -> Result<&'a [u8], StoreError> {
    item.get(name)
        .and_then(|value| value.as_b().ok())
        .map(Blob::as_ref)
        .ok_or_else(|| malformed(item, name, "binary"))
}

fn malformed(item: &Item, name: &str, kind: &str) -> StoreError {
    StoreError::Internal(format!(
        "stored item {:?}/{:?} lacks `{name}` as {kind}",
        string(item, PARTITION_KEY).unwrap_or("?"),
        string(item, SORT_KEY).unwrap_or("?"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{interval, set};

    #[test]
    fn a_record_packs_its_intervals_at_sixteen_bytes_each() {
        let slots = IntervalSet::from_normalized(
            (0..1000)
                .map(|i| Interval::new(i * 10, i * 10 + 5).expect("valid test interval"))
                .collect(),
        );
        let record = UserRecord {
            slots,
            version: 7,
            ..UserRecord::default()
        };
        let encoded = encode(&record).expect("encodes");
        // Beyond the intervals: the record's field names and empty fields.
        assert!(encoded.len() < 1000 * 16 + 128, "{} bytes", encoded.len());
        let decoded: UserRecord = rmp_serde::from_slice(&encoded).expect("decodes");
        assert_eq!(decoded.slots, record.slots);
        assert_eq!(decoded.version, 0, "the version is kept beside the record");
    }

    #[test]
    fn intervals_within_one_month_of_the_span_go_to_it_and_the_rest_stay_in_meta() {
        let record = UserRecord {
            slots: set(&[
                ("2025-05-10T09:00:00Z", "2025-05-10T10:00:00Z"),
                ("2025-05-31T23:00:00Z", "2025-06-01T00:00:00Z"),
                ("2025-06-30T23:00:00Z", "2025-07-01T01:00:00Z"),
                ("2025-08-01T09:00:00Z", "2025-08-01T10:00:00Z"),
            ]),
            removed: set(&[("2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z")]),
            ..UserRecord::default()
        };
        let span = MonthSpan::near(interval("2025-06-01T00:00:00Z", "2025-06-05T00:00:00Z"));
        assert_eq!(
            (span.first.key(), span.last.key()),
            ("2025-05".into(), "2025-06".into())
        );
        let (meta, months) = partition(&record, span);
        let keys: Vec<String> = months.keys().map(|month| month.key()).collect();
        assert_eq!(keys, ["2025-05", "2025-06"]);
        assert_eq!(
            months[&Month::of(interval("2025-05-10T09:00:00Z", "2025-05-10T10:00:00Z").start())]
                .slots
                .len(),
            2,
            "an interval ending at the month's end is in it"
        );
        assert_eq!(
            meta.slots,
            set(&[
                ("2025-06-30T23:00:00Z", "2025-07-01T01:00:00Z"),
                ("2025-08-01T09:00:00Z", "2025-08-01T10:00:00Z"),
            ]),
            "one crosses a month's end, one lies outside the span"
        );
        assert!(meta.removed.is_empty());
    }

    #[test]
    fn month_items_read_back_and_a_newer_or_partial_month_is_a_torn_read() {
        let june = Month::of(interval("2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z").start());
        let part = MonthPart {
            slots: set(&[("2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z")]),
            removed: IntervalSet::new(),
        };
        let items = month_items("ana", "e1", june, 4, &part).expect("encodes");
        let months = read_months(&items, 4).expect("reads").expect("whole");
        assert_eq!((months[&june].pieces, &months[&june].part), (1, &part));
        assert!(
            read_months(&items, 3).expect("reads").is_none(),
            "newer than the meta item"
        );

        let long = MonthPart {
            slots: IntervalSet::from_normalized(
                (0..40_000)
                    .map(|i| Interval::new(june.start() + i * 10, june.start() + i * 10 + 5))
                    .collect::<Option<Vec<_>>>()
                    .expect("valid"),
            ),
            removed: IntervalSet::new(),
        };
        let items = month_items("ana", "e1", june, 5, &long).expect("encodes");
        assert_eq!(items.len(), 3, "640 KB in pieces of {CHUNK_BYTES} bytes");
        assert_eq!(
            read_months(&items, 5).expect("reads").expect("whole")[&june].part,
            long
        );
        assert!(
            read_months(&items[..2], 5).expect("reads").is_none(),
            "a piece missing"
        );
    }

    #[test]
    fn a_layout_one_meta_item_reads_with_every_interval_in_it() {
        let record = UserRecord {
            slots: set(&[("2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z")]),
            ..UserRecord::default()
        };
        let mut meta = piece_item("ana", META_SORT_KEY, 3, &encode(&record).expect("encodes"));
        meta.insert(CHUNKS.to_owned(), number(0));
        let read = read_meta(std::slice::from_ref(&meta))
            .expect("reads")
            .expect("whole");
        assert_eq!((read.layout, read.intervals, read.epoch), (1, 1, None));
        assert!(read.recent_writes.is_empty(), "an item from before tokens");
        assert_eq!(read.record.slots, record.slots);
    }

    #[test]
    fn the_meta_item_keeps_the_latest_write_tokens() {
        let tokens: Vec<String> = (0..RECENT_WRITES).map(|i| format!("t{i}")).collect();
        let AttributeValue::L(kept) = recent_writes(&tokens, "new") else {
            panic!("a list");
        };
        let kept: Vec<&str> = kept
            .iter()
            .filter_map(|t| t.as_s().ok())
            .map(String::as_str)
            .collect();
        assert_eq!(kept.len(), RECENT_WRITES);
        assert_eq!((kept[0], kept[RECENT_WRITES - 1]), ("t1", "new"));
        let fields = MetaFields {
            version: 3,
            epoch: Some("e1"),
            retired_epoch: None,
            intervals: 0,
            recent_writes: recent_writes(&[], "abc"),
        };
        let (meta, chunks) = meta_items("ana", &UserRecord::default(), &fields).expect("encodes");
        assert!(chunks.is_empty());
        let read = read_meta(&[meta]).expect("reads").expect("whole");
        assert_eq!(
            (
                read.version,
                read.layout,
                read.epoch.as_deref(),
                read.recent_writes
            ),
            (3, CURRENT_LAYOUT, Some("e1"), vec!["abc".to_owned()])
        );
    }

    #[test]
    fn sort_keys_sort_in_piece_and_month_order_and_chunks_sort_before_meta() {
        assert!(chunk_sort_key(9) < chunk_sort_key(10));
        assert!(chunk_sort_key(9999).as_str() < META_SORT_KEY);
        let june = Month::of(interval("2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z").start());
        let (low, high) = MonthSpan {
            first: june,
            last: june,
        }
        .key_range("e1");
        for index in [0, 1, 12] {
            let key = month_sort_key("e1", june, index);
            assert!(low <= key && key <= high, "{key}");
        }
        assert!(month_sort_key("e1", june.next(), 0) > high);
        assert!(META_SORT_KEY < low.as_str());
    }
}
