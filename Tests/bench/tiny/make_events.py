#!/usr/bin/env python3
"""Writes tiny/events.jsonl (deterministic). The scores it should give are worked out
by hand in README.md and kept in expected.csv; this script only spells out events that
are tedious to type (the 500- and 501-event days)."""

import json
import os
from datetime import datetime, timedelta, timezone

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.jsonl")
lines = []


def t(s, **delta):
    dt = datetime.fromisoformat(s.replace("Z", "+00:00")) + timedelta(**delta)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def track(mid, user, event, ts, group=None):
    d = {"type": "track", "messageId": mid, "userId": user, "event": event,
         "properties": {}, "timestamp": ts}
    if group is not None:
        d["context"] = {"groupId": group}
    lines.append(json.dumps(d, separators=(",", ":")))


def seed004(user, event, ts, domain=None):
    d = {"user_id": user, "event_name": event, "properties": {"feature": "x"}, "timestamp": ts}
    if domain is not None:
        d["context"] = {"company_domain": domain}
    lines.append(json.dumps(d, separators=(",", ":")))


# u01: daily cap. 49 report_viewed 10:00:00..10:00:48, two at 11:00:00.000 (rank 50 =
# u01-r-a by dedup key, rank 51 = u01-r-b), one at 13:00 (rank 52).
track("u01-p", "u01", "project_created", "2026-02-01T09:00:00.000Z")
for i in range(49):
    track("u01-r-%02d" % i, "u01", "report_viewed", t("2026-02-28T10:00:00Z", seconds=i))
track("u01-r-b", "u01", "report_viewed", "2026-02-28T11:00:00.000Z")
track("u01-r-a", "u01", "report_viewed", "2026-02-28T11:00:00.000Z")
track("u01-r-late", "u01", "report_viewed", "2026-02-28T13:00:00.000Z")

# u02: a 500-event day (kept, capped to 50) and a 501-event bot day (dropped).
track("u02-p", "u02", "project_created", "2026-02-18T10:00:00.000Z")
for i in range(500):
    track("u02-s-%03d" % i, "u02", "search", t("2026-02-24T08:00:00Z", seconds=i))
for i in range(450):
    track("u02-pv-%03d" % i, "u02", "page_viewed", t("2026-02-28T08:00:00Z", seconds=i))
for i in range(50):
    track("u02-ex-%02d" % i, "u02", "export_clicked", t("2026-02-28T09:00:00Z", seconds=i))
track("u02-int", "u02", "integration_connected", "2026-02-28T20:00:00.000Z")

# u03: free-mail everywhere; latest hint is Yahoo.com (free-mail, skipped), an older
# hint widgets.co is not used. No created_at: signup = first event.
track("u03-1", "u03", "core_feature_used", "2026-02-20T09:00:00.000Z", "widgets.co")
track("u03-2", "u03", "core_feature_used", "2026-02-20T10:00:00.000Z", "widgets.co")
track("u03-3", "u03", "core_feature_used", "2026-02-21T10:00:00.000Z", "Yahoo.com")
track("u03-4", "u03", "dashboard_viewed", "2026-02-27T10:00:00.000Z")

# u04: full activation, engagement on exactly 62.5, latest-hint tie broken by messageId,
# an event exactly at as_of (counts) and one 1 ms after (does not exist).
track("u04-p", "u04", "project_created", "2026-02-05T12:00:00.000Z", "corp-b.com")
track("u04-i", "u04", "team_invite_sent", "2026-02-06T12:00:00.000Z")
track("u04-n", "u04", "integration_connected", "2026-02-07T12:00:00.000Z")
for i in range(3):
    track("u04-c%d" % i, "u04", "core_feature_used", t("2026-02-08T12:00:00Z", minutes=i))
track("u04-d23", "u04", "core_feature_used", "2026-02-23T12:00:00.000Z")
track("u04-d24", "u04", "dashboard_viewed", "2026-02-24T12:00:00.000Z")
track("u04-d25", "u04", "search", "2026-02-25T12:00:00.000Z")
track("u04-d26", "u04", "core_feature_used", "2026-02-26T12:00:00.000Z")
track("u04-d27", "u04", "search", "2026-02-27T12:00:00.000Z")
track("u04-t-b", "u04", "report_viewed", "2026-02-28T09:00:00.000Z", "BigCo.COM")
track("u04-t-a", "u04", "report_viewed", "2026-02-28T09:00:00.000Z", "other-co.com")
track("u04-d01", "u04", "dashboard_viewed", "2026-03-01T12:00:00.000Z")
track("u04-future", "u04", "export_clicked", "2026-03-01T12:00:00.001Z", "zzz.com")

# u05: internal by email. u06: internal by account (group hint, any case, subdomain).
track("u05-1", "u05", "project_created", "2026-02-27T10:00:00.000Z")
track("u06-1", "u06", "project_created", "2026-02-27T10:00:00.000Z", "Eng.TallyBoard.io")

# u07: activation window edges, signup 2026-02-10T08:00:00.000Z (given as +01:00).
track("u07-n", "u07", "integration_connected", "2026-02-10T07:59:59.999Z")
for i in range(3):
    track("u07-c%d" % i, "u07", "core_feature_used", "2026-02-10T08:00:00.000Z")
track("u07-p", "u07", "project_created", "2026-02-24T08:00:00.000Z")
track("u07-i", "u07", "team_invite_sent", "2026-02-24T08:00:00.001Z")

# u08: no events at all.

# u09: 15 distinct UTC days and 9 distinct names in the window (clamped to 14 and 8).
names = ["page_viewed", "search", "report_viewed", "dashboard_viewed", "export_clicked",
         "comment_added", "file_uploaded", "settings_changed", "filter_applied"]
track("u09-00", "u09", names[0], "2026-02-15T18:00:00.000Z")
for i in range(1, 15):
    track("u09-%02d" % i, "u09", names[i % 9], t("2026-02-15T06:00:00Z", days=i))

# u10: not in users.csv, seed-004 shape (no messageId: dedup by content hash).
seed004("u10", "project_created", "2026-02-14T00:00:00Z", "Acme.io")
seed004("u10", "core_feature_used", "2026-02-14T01:00:00Z")
seed004("u10", "core_feature_used", "2026-02-14T02:00:00Z")
seed004("u10", "core_feature_used", "2026-02-14T02:00:00Z")   # identical line: a duplicate
seed004("u10", "team_invite_sent", "2026-02-15T12:00:00.000Z")  # = as_of - 14 d: outside engagement
seed004("u10", "dashboard_viewed", "2026-02-15T12:00:00.001Z")

# u12: last event exactly at as_of - 1 d (recency 75, not 100).
track("u12-1", "u12", "dashboard_viewed", "2026-02-28T12:00:00.000Z")

# u13: events only; last event exactly at as_of - 7 d (recency 10, not 40).
track("u13-1", "u13", "search", "2026-02-20T12:00:00.000Z")
track("u13-2", "u13", "search", "2026-02-22T12:00:00.000Z")

# Noise that must not change any score.
track("u01-p", "u01", "project_created", "2026-02-01T09:00:00.000Z")  # duplicate messageId
track("u11-1", "u11", "project_created", "2026-03-02T10:00:00.000Z")  # only after as_of
lines.append(json.dumps({"type": "track", "messageId": "anon-1", "anonymousId": "a-1",
                         "event": "project_created", "timestamp": "2026-02-27T10:00:00.000Z"}))
lines.append(json.dumps({"type": "identify", "messageId": "id-1", "userId": "u01",
                         "traits": {"email": "alice@acme.io", "createdAt": "2025-01-01T00:00:00Z"},
                         "timestamp": "2026-02-01T00:00:00.000Z"}))
lines.append(json.dumps({"type": "track", "messageId": "bad-ts", "userId": "u01",
                         "event": "project_created", "timestamp": "yesterday"}))
lines.append('{"type":"track","messageId":"broken", "userId": "u01"')  # not JSON

with open(OUT, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
print("%d lines -> %s" % (len(lines), OUT))
