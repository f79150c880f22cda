#!/usr/bin/env python3
"""Writes a Segment JSONL file as PostHog, Amplitude and Mixpanel exports (as Briefer reads them, see
Fixtures/sources/*/README.md), to measure ingest per source on the same events.

    python3 Tests/bench/to_sources.py events.jsonl OUTDIR

OUTDIR gets posthog.jsonl, amplitude.json, mixpanel.jsonl and their .gz copies, and amplitude.zip (gzipped
JSON files of 50,000 lines each, as Amplitude's Export API returns).
"""
import gzip
import json
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path


def seconds(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def posthog(e: dict) -> dict:
    props = dict(e.get("properties") or {})
    group = (e.get("context") or {}).get("groupId")
    if group:
        props["$groups"] = {"company": group}
    kind = e.get("type", "track")
    out = {"uuid": e.get("messageId"), "timestamp": e.get("timestamp")}
    if kind == "identify":
        props["$set"] = e.get("traits") or {}
        if e.get("anonymousId"):
            props["$anon_distinct_id"] = e["anonymousId"]
        out.update(event="$identify", distinct_id=e.get("userId"))
    elif kind == "page":
        props["$pathname"] = (e.get("properties") or {}).get("path", "/")
        out.update(event="$pageview", distinct_id=e.get("userId") or e.get("anonymousId"))
        if not e.get("userId"):
            props["$is_identified"] = False
    else:
        out.update(event=e.get("event"), distinct_id=e.get("userId") or e.get("anonymousId"))
        if not e.get("userId"):
            props["$is_identified"] = False
    out["properties"] = props
    return out


def amplitude(e: dict) -> dict:
    when = datetime.fromtimestamp(seconds(e["timestamp"]), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    group = (e.get("context") or {}).get("groupId")
    kind = e.get("type", "track")
    out = {"$insert_id": e.get("messageId"), "user_id": e.get("userId"), "device_id": e.get("anonymousId"), "event_time": when}
    if kind == "identify":
        out.update(event_type="$identify", user_properties=e.get("traits") or {})
    elif kind == "page":
        out.update(event_type="[Amplitude] Page Viewed",
                   event_properties={"[Amplitude] Page Path": (e.get("properties") or {}).get("path", "/")})
    else:
        out.update(event_type=e.get("event"), event_properties=e.get("properties") or {})
    if group:
        out["groups"] = {"company": [group]}
    return out


def mixpanel(e: dict) -> dict:
    props = dict(e.get("properties") or {})
    props.update(time=int(seconds(e["timestamp"])), **{"$insert_id": e.get("messageId")})
    group = (e.get("context") or {}).get("groupId")
    if group:
        props["company_domain"] = group
    kind = e.get("type", "track")
    user, anon = e.get("userId"), e.get("anonymousId")
    props["distinct_id"] = user or f"$device:{anon}"
    if user:
        props["$user_id"] = user
    if anon:
        props["$device_id"] = anon
    if kind == "identify":
        props.update({"$identified_id": user, "$anon_id": anon, "$email": (e.get("traits") or {}).get("email")})
        return {"event": "$identify", "properties": props}
    if kind == "page":
        props["current_url_path"] = (e.get("properties") or {}).get("path", "/")
        return {"event": "$mp_web_page_view", "properties": props}
    return {"event": e.get("event"), "properties": props}


def main(src: str, out: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    writers = {name: open(out_dir / file, "w") for name, file in
               [("posthog", "posthog.jsonl"), ("amplitude", "amplitude.json"), ("mixpanel", "mixpanel.jsonl")]}
    convert = {"posthog": posthog, "amplitude": amplitude, "mixpanel": mixpanel}
    with open(src) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "timestamp" not in e or ("userId" not in e and "anonymousId" not in e):
                continue
            for name, w in writers.items():
                w.write(json.dumps(convert[name](e), separators=(",", ":")) + "\n")
    for w in writers.values():
        w.close()
    for file in ["posthog.jsonl", "amplitude.json", "mixpanel.jsonl"]:
        data = (out_dir / file).read_bytes()
        (out_dir / (file + ".gz")).write_bytes(gzip.compress(data, mtime=0))
    lines = (out_dir / "amplitude.json").read_bytes().splitlines(keepends=True)
    with zipfile.ZipFile(out_dir / "amplitude.zip", "w", zipfile.ZIP_STORED) as z:
        for i in range(0, len(lines), 50_000):
            z.writestr(f"123456/123456_part{i // 50_000:04d}.json.gz", gzip.compress(b"".join(lines[i:i + 50_000]), mtime=0))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
