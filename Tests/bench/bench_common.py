"""Shared helpers for the benchmark scripts (no third-party imports).

Both engines must read inputs identically; the rules they share are written down
here once and mirrored in SQL by duckdb_score.py:

* timestamps: ISO 8601, `T` or space, optional fraction, `Z` / `±HH:MM` offset or
  none (= UTC); held as integer ms since the epoch, sub-millisecond digits
  truncated (floor);
* CSV fields are stripped of surrounding spaces; an empty field is NULL;
* CSV numbers (employee_count, estimated_revenue) are plain decimals
  (`[+-]digits[.digits][e±digits]`), anything else is unknown (NULL);
* the first users.csv row per user_id and the first companies.csv row per domain win.
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


def fallback_dedup_key(who, event, timestamp, hint):
    """Dedup key of an event line without messageId: a stable hash of its scored content.

    (The app hashes the canonical line; the benchmark hashes the fields it scores,
    the same way in both engines: md5 of the fields joined by U+001F.)"""
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
