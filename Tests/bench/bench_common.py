"""Shared helpers for the benchmark scripts (no third-party imports).

Both engines must read inputs identically; the rules they share are written down
here once and mirrored in SQL by duckdb_score.py:

* timestamps: ISO 8601, `T` or space, optional fraction, `Z` / `±HH:MM` offset or
  none (= UTC); held as integer ms since the epoch, sub-millisecond digits
  truncated (floor);
* CSV fields are stripped of surrounding spaces; an empty field is NULL;
* CSV numbers (employee_count, estimated_revenue) are plain decimals
  (`[+-]digits[.digits][e±digits]`), anything else is unknown (NULL);
* the first users.csv row per user_id and the first companies.csv row per domain win;
* page and screen calls are named by the default `sources.segment.page_events` rules
  (`page_event_name`, mirrored in SQL by duckdb_score.py).
"""

import hashlib
import os
import re
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SCORING_SQL = os.path.join(HERE, "scoring.sql")
OUTPUT_HEADER = ["user_id", "activation", "engagement", "firmographic", "pql_score"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
NUMBER_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
# The same pattern, for DuckDB's regexp_full_match (RE2).
NUMBER_RE_SQL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"


def iso_to_ms(text):
    """ISO 8601 -> integer ms since the epoch (UTC when no offset), or None."""
    if text is None:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // _MS


def ms_to_iso(ms):
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def csv_text(value):
    """Strip spaces (as SQL trim does); empty -> None."""
    if value is None:
        return None
    value = value.strip(" ")
    return value or None


def csv_number(value):
    value = csv_text(value)
    if value is None or not NUMBER_RE.match(value):
        return None
    return float(value)


# Page and screen calls (config/briefer.yaml, sources.segment.page_events, default): the first rule
# that matches names the call; a path rule applies to pages only.
PRICING = "pricing_page_viewed"
PAGE_RULES = [("path", "/pricing*", PRICING), ("name", "Pricing", PRICING)]
# Trimmed from page names, categories and paths (Briefer trims Unicode whitespace; the bench's
# data has none beyond ASCII).
WHITESPACE = " \t\n\v\f\r"


def _glob(pattern):
    """`*` matches any run of characters; the whole text must match; letters in any case."""
    rx = re.compile(".*".join(re.escape(part) for part in pattern.lower().split("*")), re.S)
    return lambda text: rx.fullmatch(text.lower()) is not None


_RULES = [(field, _glob(pattern), event) for field, pattern, event in PAGE_RULES]


def member_text(obj, key):
    """A string member, trimmed; absent, not a string or empty -> None."""
    if not isinstance(obj, dict):
        return None
    v = obj.get(key)
    if not isinstance(v, str):
        return None
    return v.strip(WHITESPACE) or None


def url_path(url):
    """The path of an absolute URL: after `://host`, up to `?` or `#`; `/` when there is no
    slash; None when the text has no `://`."""
    i = url.find("://")
    if i < 0:
        return None
    rest = url[i + 3:]
    j = rest.find("/")
    if j < 0:
        return "/"
    path = rest[j:]
    for stop in "?#":
        k = path.find(stop)
        if k >= 0:
            path = path[:k]
    return path


def page_fields(kind, d):
    """(name, category, path) of a page or screen call `d` (a parsed line): top-level `name` /
    `category`, else `properties.name` / `.category`; a page's path is `properties.path`, else
    `context.page.path`, else the path of `properties.url` (screens have no path)."""
    props = d.get("properties")
    name = member_text(d, "name") or member_text(props, "name")
    category = member_text(d, "category") or member_text(props, "category")
    path = None
    if kind == "page":
        path = member_text(props, "path")
        if path is None:
            ctx = d.get("context")
            path = member_text(ctx.get("page") if isinstance(ctx, dict) else None, "path")
        if path is None:
            url = member_text(props, "url")
            path = url_path(url) if url is not None else None
    return name, category, path


def page_event_name(kind, name, category, path):
    """The event name of a page or screen call: the first rule that matches, else Segment's
    destinations' naming."""
    for field, match, event in _RULES:
        text = path if field == "path" else name
        if text is not None and match(text):
            return event
    if kind == "screen":
        return "Viewed %s Screen" % name if name else "Loaded a Screen"
    if name:
        return "Viewed %s%s Page" % (category + " " if category else "", name)
    return "Viewed %s Page" % category if category else "Loaded a Page"


def fallback_dedup_key(who, event, timestamp, hint):
    """Dedup key of an event line without messageId: a stable hash of its scored content.

    (The app hashes the canonical line; the benchmark hashes the fields it scores,
    the same way in both engines: md5 of the fields joined by U+001F. For an identify
    call `event` is `identify ` + its anonymousId.)"""
    parts = [who or "", event or "", timestamp or "", hint or ""]
    return "h:" + hashlib.md5("\x1f".join(parts).encode("utf-8")).hexdigest()


def load_sql(as_of_ms, path=SCORING_SQL):
    with open(path, encoding="utf-8") as f:
        return f.read().replace("{as_of_ms}", str(int(as_of_ms)))


def write_scores(path, rows):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(OUTPUT_HEADER)
        for r in rows:
            w.writerow([r[0]] + [int(v) for v in r[1:]])


def parse_as_of(text):
    ms = iso_to_ms(text)
    if ms is None:
        raise SystemExit("bad AS_OF_ISO: %r" % text)
    return ms


def fresh_db_path(path, append):
    if not append:
        for suffix in ("", ".wal", "-wal", "-journal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
