"""Reads an iCalendar document on stdin with the independent `icalendar` parser (Debian's
python3-icalendar) and prints what the tests check, as JSON: each event's UID, summary,
description, URL, its start and end as UTC instants and as the local times with their TZID."""
import json
import sys
from datetime import timezone

import icalendar

cal = icalendar.Calendar.from_ical(sys.stdin.read())
out = {"version": str(cal.get("VERSION")), "timezones": [], "events": []}
for tz in cal.walk("VTIMEZONE"):
    out["timezones"].append(str(tz.get("TZID")))
for ev in cal.walk("VEVENT"):
    start = ev.decoded("DTSTART")
    end = ev.decoded("DTEND")
    out["events"].append({
        "uid": str(ev.get("UID")),
        "summary": str(ev.get("SUMMARY")),
        "description": str(ev.get("DESCRIPTION")),
        "url": str(ev.get("URL")),
        "tzid": ev.get("DTSTART").params.get("TZID"),
        "local_start": start.replace(tzinfo=None).isoformat(),
        "start_utc": start.astimezone(timezone.utc).isoformat(),
        "end_utc": end.astimezone(timezone.utc).isoformat(),
    })
json.dump(out, sys.stdout)
