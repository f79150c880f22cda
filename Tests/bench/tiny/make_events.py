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


def call(kind, mid, ts, user=None, anon=None, **members):
    """A page, screen or identify call (members: name, category, properties, context, traits)."""
    d = {"type": kind, "messageId": mid}
    if user is not None:
        d["userId"] = user
    if anon is not None:
        d["anonymousId"] = anon
    d.update(members)
    d["timestamp"] = ts
    lines.append(json.dumps(d, separators=(",", ":")))


def anon_track(mid, anon, event, ts, group=None):
    d = {"type": "track", "messageId": mid, "anonymousId": anon, "event": event,
         "properties": {}, "timestamp": ts}
    if group is not None:
        d["context"] = {"groupId": group}
    lines.append(json.dumps(d, separators=(",", ":")))


def identify(mid, user, anon, ts):
    call("identify", mid, ts, user=user, anon=anon, traits={})


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

# u04: full activation, engagement on exactly 62.5, latest-hint tie broken by the greater
# hint as written ("bigCo.COM" > "Other-Co.com" byte-wise, though "other-co.com" >
# "bigco.com" lower-cased and u04-t-b > u04-t-a), an event exactly at as_of (counts) and one
# 1 ms after (does not exist).
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
track("u04-t-b", "u04", "report_viewed", "2026-02-28T09:00:00.000Z", "Other-Co.com")
track("u04-t-a", "u04", "report_viewed", "2026-02-28T09:00:00.000Z", "bigCo.COM")
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

# u14: page and screen calls named pricing_page_viewed every way the rules allow (path, URL,
# name, context.page.path, a trimmed screen name in another case); one name with the track
# events of that name for the daily cap (48 tracks + 3 calls on 02-28: the 13:00 page is rank 51).
track("u14-p", "u14", "project_created", "2026-02-16T10:00:00.000Z", "widgets.co")
call("page", "u14-pg1", "2026-02-20T10:00:00.000Z", user="u14",
     properties={"path": "/pricing", "url": "https://www.tallyboard.io/pricing"})
call("page", "u14-pg2", "2026-02-21T10:00:00.000Z", user="u14",
     properties={"url": "https://www.tallyboard.io/Pricing/team?ref=nav#top"})
call("page", "u14-pg3", "2026-02-22T10:00:00.000Z", user="u14", name="Pricing", properties={"path": "/plans"})
call("page", "u14-pg4", "2026-02-23T10:00:00.000Z", user="u14", properties={},
     context={"page": {"path": "/pricing/enterprise"}})
call("screen", "u14-sc1", "2026-02-24T10:00:00.000Z", user="u14", name=" pricing ")
for i in range(48):
    track("u14-t-%02d" % i, "u14", "pricing_page_viewed", t("2026-02-28T09:00:00Z", seconds=i))
call("page", "u14-pg5", "2026-02-28T10:00:00.000Z", user="u14", properties={"path": "/pricing"})
call("screen", "u14-sc2", "2026-02-28T11:00:00.000Z", user="u14", name="Pricing")
call("page", "u14-pg6", "2026-02-28T13:00:00.000Z", user="u14", properties={"url": "https://tallyboard.io/pricing"})

# u15: Segment's default names for calls no rule matches.
track("u15-1", "u15", "pricing_page_viewed", "2026-02-20T12:00:00.000Z")
call("page", "u15-2", "2026-02-21T12:00:00.000Z", user="u15", name="Getting Started", category="Docs",
     properties={"path": "/docs/start"})                                   # Viewed Docs Getting Started Page
call("page", "u15-3", "2026-02-22T12:00:00.000Z", user="u15", properties={"path": "/blog/launch"})  # Loaded a Page
call("page", "u15-4", "2026-02-22T13:00:00.000Z", user="u15", properties={"url": "/pricing"})  # no "://": no path
call("page", "u15-5", "2026-02-23T12:00:00.000Z", user="u15", category="Docs")  # Viewed Docs Page
call("page", "u15-6", "2026-02-24T12:00:00.000Z", user="u15",
     properties={"name": "Pricing Plans", "category": "Billing", "path": "/billing/plans"})  # not "Pricing"
call("screen", "u15-7", "2026-02-25T12:00:00.000Z", user="u15", name="Dashboard")  # Viewed Dashboard Screen
call("screen", "u15-8", "2026-02-27T15:00:00.000Z", user="u15", name="Settings",
     properties={"path": "/pricing"})                                      # a screen has no path

# u16: an anonymous visitor (a-16) who signs up: identify with both ids at signup (+5 min).
call("page", "a16-1", "2026-02-10T09:00:00.000Z", anon="a-16", properties={"path": "/pricing"})
call("page", "a16-2", "2026-02-17T11:00:00.000Z", anon="a-16", properties={"path": "/pricing"})
anon_track("a16-3", "a-16", "core_feature_used", "2026-02-18T11:00:00.000Z")
anon_track("a16-4", "a-16", "project_created", "2026-02-20T10:00:30.000Z")
identify("id-16a", "u16", "a-16", "2026-02-20T10:05:00.000Z")
track("u16-1", "u16", "core_feature_used", "2026-02-20T10:10:00.000Z", "other-co.com")
track("u16-2", "u16", "core_feature_used", "2026-02-20T10:11:00.000Z", "other-co.com")
track("u16-3", "u16", "dashboard_viewed", "2026-02-26T10:00:00.000Z", "other-co.com")
call("page", "a16-5", "2026-02-27T09:00:00.000Z", anon="a-16", name="Pricing",
     context={"groupId": "bigco.com"})                                     # no hint for u16
identify("id-16b", "u16", "a-16", "2026-03-01T13:00:00.000Z")             # again, after as_of

# u17 / u18: a shared device. a-17 is linked to u17 first (02-25); the link to u18 (02-26,
# written first in the file) is a conflict, never applied.
call("page", "a17-1", "2026-02-24T10:00:00.000Z", anon="a-17", properties={"path": "/pricing"})
call("screen", "a17-2", "2026-02-24T10:30:00.000Z", anon="a-17")          # Loaded a Screen
anon_track("a17-3", "a-17", "report_exported", "2026-02-24T11:00:00.000Z")
identify("id-17b", "u18", "a-17", "2026-02-26T12:00:00.000Z")
identify("id-17a", "u17", "a-17", "2026-02-25T12:00:00.000Z")
track("u17-1", "u17", "dashboard_viewed", "2026-02-25T12:30:00.000Z")
track("u18-1", "u18", "search", "2026-02-26T12:30:00.000Z")
anon_track("a17-4", "a-17", "core_feature_used", "2026-02-27T10:00:00.000Z")

# u19: linked 1 ms after as_of: a-19's events count for nobody at as_of.
track("u19-1", "u19", "search", "2026-02-20T12:00:00.000Z")
call("page", "a19-1", "2026-02-27T10:00:00.000Z", anon="a-19", properties={"path": "/pricing"})
anon_track("a19-2", "a-19", "core_feature_used", "2026-02-28T10:00:00.000Z")
identify("id-19", "u19", "a-19", "2026-03-01T12:00:00.001Z")

# u20: not in users.csv, no event of their own; known through an identify exactly at as_of
# (applied), which links a-20. No signup (no created_at, no own event): activation 0.
call("page", "a20-1", "2026-02-28T20:00:00.000Z", anon="a-20", properties={"path": "/pricing"})
for i in range(3):
    anon_track("a20-%d" % (i + 2), "a-20", "core_feature_used", t("2026-03-01T08:00:00Z", minutes=i))
anon_track("a20-5", "a-20", "core_feature_used", "2026-03-01T12:30:00.000Z")  # after as_of
identify("id-20", "u20", "a-20", "2026-03-01T12:00:00.000Z")

# u21: not in users.csv; linked (02-16 09:00) before their first own event (02-18): signup is
# the first own event, not the identify. An event with both userId and anonymousId (a-21b) is
# just u21's: it links nothing, so a-21b's anonymous event counts for nobody.
identify("id-21", "u21", "a-21", "2026-02-16T09:00:00.000Z")
anon_track("a21-1", "a-21", "project_created", "2026-02-16T10:00:00.000Z")
anon_track("a21b-1", "a-21b", "export_clicked", "2026-02-17T10:00:00.000Z")
track("u21-1", "u21", "core_feature_used", "2026-02-18T10:00:00.000Z", "smallmedia.net")
lines.append(json.dumps({"type": "track", "messageId": "u21-2", "userId": "u21", "anonymousId": "a-21b",
                         "event": "team_invite_sent", "properties": {},
                         "timestamp": "2026-02-19T10:00:00.000Z"}, separators=(",", ":")))

# u22: 300 own + 201 stitched events on 02-25 = 501 > 500: a bot day (each part alone is not).
for i in range(300):
    track("u22-s-%03d" % i, "u22", "search", t("2026-02-25T08:00:00Z", seconds=i))
for i in range(201):
    anon_track("a22-r-%03d" % i, "a-22", "report_viewed", t("2026-02-25T09:00:00Z", seconds=i))
identify("id-22", "u22", "a-22", "2026-02-26T09:00:00.000Z")
track("u22-d", "u22", "dashboard_viewed", "2026-02-27T10:00:00.000Z")

# Noise that must not change any score.
call("page", "a99-1", "2026-02-27T10:00:00.000Z", anon="a-99", properties={"path": "/pricing"})  # never linked
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
