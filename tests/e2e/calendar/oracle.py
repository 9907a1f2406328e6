"""The busy-time oracle: Python's icalendar with recurring-ical-events, by the same rules as
the service (transparent, cancelled and owner-declined events free; dates and floating times in
the calendar's zone, X-WR-TIMEZONE first). Reads a JSON list of {file, from, to, zone, owners}
on stdin and prints {file: [[start, end], ...]} (merged UTC intervals, epoch milliseconds)."""
import json
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


def instant(value, zone):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return int(value.timestamp() * 1000)
    if isinstance(value, date):
        return int(datetime.combine(value, time(), tzinfo=zone).timestamp() * 1000)
    raise ValueError(value)


def busy(case):
    with open(case["file"], "rb") as handle:
        calendar = icalendar.Calendar.from_ical(handle.read())
    zone = ZoneInfo(case["zone"])
    named = calendar.get("X-WR-TIMEZONE")
    if named:
        try:
            zone = ZoneInfo(str(named))
        except Exception:
            pass
    owners = {owner.lower() for owner in case["owners"]}
    start = datetime.fromtimestamp(case["from"] / 1000, timezone.utc) - timedelta(days=2)
    end = datetime.fromtimestamp(case["to"] / 1000, timezone.utc) + timedelta(days=2)
    intervals = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        declined = any(
            str(a).lower().removeprefix("mailto:") in owners
            and str(a.params.get("PARTSTAT", "")).upper() == "DECLINED"
            for a in attendees
        )
        if declined:
            continue
        first = instant(event["DTSTART"].dt, zone)
        last = instant(event["DTEND"].dt, zone) if "DTEND" in event else first
        first, last = max(first, case["from"]), min(last, case["to"])
        if first < last:
            intervals.append([first, last])
    intervals.sort()
    merged = []
    for interval in intervals:
        if merged and interval[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], interval[1])
        else:
            merged.append(interval)
    return merged


def answer(case):
    try:
        return busy(case)
    except Exception as error:  # A file the oracle cannot read is reported, not skipped.
        return {"error": f"{type(error).__name__}: {error}"}


print(json.dumps({case["file"]: answer(case) for case in json.load(sys.stdin)}))
