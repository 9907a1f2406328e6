"""Reads each .ics file named on the command line with Python's icalendar and prints every
VEVENT as JSON: the file's METHOD, UID, start and end in UTC, SEQUENCE, STATUS, text."""
import json
import os
import sys
from datetime import timezone

import icalendar


def utc(value):
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


events = []
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        calendar = icalendar.Calendar.from_ical(handle.read())
    if calendar.errors:
        sys.exit(f"{path}: {calendar.errors}")
    method = calendar.get("METHOD")
    for event in calendar.walk("VEVENT"):
        if event.errors:
            sys.exit(f"{path}: {event.errors}")
        events.append({
            "file": os.path.basename(path),
            "method": str(method) if method else None,
            "uid": str(event["UID"]),
            "start": utc(event.decoded("DTSTART")),
            "end": utc(event.decoded("DTEND")),
            "sequence": int(event.get("SEQUENCE", 0)),
            "status": str(event.get("STATUS")),
            "summary": str(event.get("SUMMARY")),
            "description": str(event.get("DESCRIPTION")),
            "location": str(event["LOCATION"]) if "LOCATION" in event else None,
        })
json.dump(events, sys.stdout)
