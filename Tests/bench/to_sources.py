#!/usr/bin/env python3
"""Writes a Segment JSONL file as PostHog, Amplitude and Mixpanel exports (as Briefer reads them, see
Fixtures/sources/*/README.md), to measure ingest per source on the same events.

    python3 Tests/bench/to_sources.py events.jsonl OUTDIR

OUTDIR gets posthog.jsonl, amplitude.json, mixpanel.jsonl and their .gz copies, and amplitude.zip (gzipped
JSON files of 50,000 lines each, as Amplitude's Export API returns).

Each call is written so that Briefer gives it the same meaning as the Segment call (the same events, names,
users, links and times), so every export scores exactly as the Segment file:

* track calls are the vendor's custom events; the account is `$groups.company` (PostHog),
  `groups.company` (Amplitude) or the `company_domain` property (Mixpanel);
* a call with only an anonymousId is an anonymous one: PostHog `distinct_id` = the id with
  `$is_identified: false`, Amplitude `device_id` without `user_id`, Mixpanel `distinct_id`
  `$device:<id>` with `$device_id`. A call with a userId is the user's: its anonymousId, if any, is left
  out, since Amplitude and Mixpanel read a device id beside a user id as a link, which Segment's track
  and page calls are not;
* identify with userId and anonymousId (a link): PostHog `$identify` with `$anon_distinct_id`,
  Amplitude `$identify` with `user_id` and `device_id`, Mixpanel `$identify` with `$identified_id` and
  `$anon_id`; traits as each vendor's person properties;
* page calls: the vendor's page view (`$pageview` with `$pathname` / `$current_url`;
  `[Amplitude] Page Viewed` with `[Amplitude] Page Path` / `Page URL`; `$mp_web_page_view` with
  `current_url_path` / `current_page_url`) when the page's path alone gives the name Briefer gives the
  Segment call. These page views carry no page name or category (Briefer reads none from them), so a page
  named by its name or category (`Pricing` at /plans, `Viewed Docs Getting Started Page`, ...) cannot be
  one: it is written as a custom event of that name. Screens: PostHog `$screen` with `$screen_name`;
  Amplitude and Mixpanel have no screen event in Briefer's mapping, so a custom event of the name;
* times: PostHog the ISO text; Amplitude `event_time` in UTC to the microsecond; Mixpanel `time` in
  seconds with the milliseconds as a fraction (Mixpanel's raw export has whole seconds; Briefer reads
  the fraction, and the comparison stays exact);
* group and alias calls are not written (the bench has none; they are counted on stderr).
"""
import gzip
import json
import os
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Call:
    """What a Segment line means to Briefer, read once for the three vendors."""

    def __init__(self, e: dict):
        self.e = e
        self.kind = e.get("type", "track")
        self.user = e.get("userId") or None
        self.anon = e.get("anonymousId") or None
        self.ms = bc.iso_to_ms(e["timestamp"])
        self.props = dict(e.get("properties") or {})
        self.group = (e.get("context") or {}).get("groupId")
        self.traits = e.get("traits") or {}
        self.event = e.get("event")
        self.path = self.url = self.screen = None
        self.page_view = False     # written as the vendor's page view (else: a custom event of self.event)
        if self.kind in ("page", "screen"):
            name, category, path = bc.page_fields(self.kind, e)
            self.event = bc.page_event_name(self.kind, name, category, path)
            if self.kind == "page":
                self.path = path
                self.url = bc.member_text(self.props, "url")
                self.page_view = bc.page_event_name("page", None, None, path) == self.event
            else:
                self.screen = name


def posthog(c: Call) -> dict:
    props = dict(c.props)
    if c.group:
        props["$groups"] = {"company": c.group}
    out = {"uuid": c.e.get("messageId"), "timestamp": c.e.get("timestamp")}
    if c.kind == "identify":
        props = {"$set": c.traits} if c.traits else {}
        if c.anon:
            props["$anon_distinct_id"] = c.anon
        out.update(event="$identify", distinct_id=c.user)
        out["properties"] = props
        return out
    if c.kind == "page" and c.page_view:
        props = {k: v for k, v in (("$pathname", c.path), ("$current_url", c.url)) if v is not None}
        if c.group:
            props["$groups"] = {"company": c.group}
        event = "$pageview"
    elif c.kind == "screen":
        props = {"$screen_name": c.screen} if c.screen else {}
        if c.group:
            props["$groups"] = {"company": c.group}
        event = "$screen"
    else:
        event = c.event
    out.update(event=event, distinct_id=c.user or c.anon)
    if not c.user:
        props["$is_identified"] = False
    out["properties"] = props
    return out


def amplitude(c: Call) -> dict:
    when = (EPOCH + timedelta(milliseconds=c.ms)).strftime("%Y-%m-%d %H:%M:%S.%f")
    out = {"$insert_id": c.e.get("messageId"), "user_id": c.user,
           "device_id": c.anon if c.kind == "identify" or not c.user else None, "event_time": when}
    if c.kind == "identify":
        out.update(event_type="$identify", user_properties=c.traits)
    elif c.kind == "page" and c.page_view:
        out.update(event_type="[Amplitude] Page Viewed",
                   event_properties={k: v for k, v in (("[Amplitude] Page Path", c.path),
                                                       ("[Amplitude] Page URL", c.url)) if v is not None})
    else:
        out.update(event_type=c.event, event_properties=c.props)
    if c.group:
        out["groups"] = {"company": [c.group]}
    return out


def mixpanel(c: Call) -> dict:
    seconds = c.ms // 1000 if c.ms % 1000 == 0 else c.ms / 1000
    if c.kind == "identify":
        props = {"time": seconds, "distinct_id": c.user, "$insert_id": c.e.get("messageId"), "$identified_id": c.user}
        if c.anon:
            props["$anon_id"] = c.anon
        for segment, mp in (("email", "$email"), ("title", "title"), ("company", "company"), ("createdAt", "$created")):
            if c.traits.get(segment) is not None:
                props[mp] = c.traits[segment]
        return {"event": "$identify", "properties": props}
    if c.kind == "page" and c.page_view:
        props = {k: v for k, v in (("current_url_path", c.path), ("current_page_url", c.url)) if v is not None}
        event = "$mp_web_page_view"
    else:
        props = dict(c.props)
        event = c.event
    props.update(time=seconds, **{"$insert_id": c.e.get("messageId")})
    if c.group:
        props["company_domain"] = c.group
    if c.user:
        props["distinct_id"] = c.user
        props["$user_id"] = c.user
    else:
        props["distinct_id"] = f"$device:{c.anon}"
        props["$device_id"] = c.anon
    return {"event": event, "properties": props}


def main(src: str, out: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    writers = {name: open(out_dir / file, "w") for name, file in
               [("posthog", "posthog.jsonl"), ("amplitude", "amplitude.json"), ("mixpanel", "mixpanel.jsonl")]}
    convert = {"posthog": posthog, "amplitude": amplitude, "mixpanel": mixpanel}
    skipped: dict[str, int] = {}
    with open(src) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            kind = e.get("type", "track")
            if kind not in ("track", "page", "screen", "identify") or "timestamp" not in e \
                    or ("userId" not in e and "anonymousId" not in e) or (kind == "identify" and not e.get("userId")):
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            c = Call(e)
            if c.ms is None:
                skipped["bad timestamp"] = skipped.get("bad timestamp", 0) + 1
                continue
            for name, w in writers.items():
                w.write(json.dumps(convert[name](c), separators=(",", ":")) + "\n")
    for w in writers.values():
        w.close()
    if skipped:
        print("not written: " + ", ".join(f"{n} {k}" for k, n in sorted(skipped.items())), file=sys.stderr)
    for file in ["posthog.jsonl", "amplitude.json", "mixpanel.jsonl"]:
        data = (out_dir / file).read_bytes()
        (out_dir / (file + ".gz")).write_bytes(gzip.compress(data, mtime=0))
    lines = (out_dir / "amplitude.json").read_bytes().splitlines(keepends=True)
    with zipfile.ZipFile(out_dir / "amplitude.zip", "w", zipfile.ZIP_STORED) as z:
        for i in range(0, len(lines), 50_000):
            z.writestr(f"123456/123456_part{i // 50_000:04d}.json.gz", gzip.compress(b"".join(lines[i:i + 50_000]), mtime=0))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
