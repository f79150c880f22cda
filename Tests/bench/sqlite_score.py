#!/usr/bin/env python3
"""The plain Python + SQLite job: seed 004's scoring SQL run by SQLite.

usage: sqlite_score.py DIR AS_OF_ISO OUT.csv [--db PATH] [--append]

Reads DIR/events.jsonl line by line with json.loads, inserts the calls into an
SQLite database file (stdlib sqlite3, executemany, one transaction, INSERT OR IGNORE on
the unique dedup key), loads DIR/users.csv and DIR/companies.csv (csv module), runs
Tests/bench/scoring.sql as of AS_OF_ISO, writes OUT.csv and prints one JSON line of
timings (seconds) on stdout. Event normalization: as in duckdb_score.py.
"""

import argparse
import csv
import json
import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402


def text(v):
    """A JSON scalar as DuckDB's VARCHAR column would hold it; '' -> None."""
    if v is None or v == "":
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class Counts:
    lines = 0
    rejected = 0


KINDS = ("track", "page", "screen", "identify")


def event_rows(path, counts):
    """(dedup_key, kind, user_id, anon_id, event_name, ts_ms, group_hint) per stored call."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except ValueError:
                counts.lines += 1
                counts.rejected += 1
                continue
            if not isinstance(d, dict):
                counts.lines += 1
                counts.rejected += 1
                continue
            kind = d.get("type")
            if kind is None:
                kind = "track"
            elif kind not in KINDS:
                continue
            uid = text(d.get("userId")) or text(d.get("user_id"))
            anon = text(d.get("anonymousId"))
            hint = None
            if kind == "identify":
                if uid is None:
                    continue
                ev = None
            else:
                if kind == "track":
                    ev = text(d.get("event")) or text(d.get("event_name"))
                else:
                    ev = bc.page_event_name(kind, *bc.page_fields(kind, d))
                ctx = d.get("context")
                if isinstance(ctx, dict):
                    hint = text(ctx.get("groupId")) or text(ctx.get("company_domain"))
            counts.lines += 1
            ts_text = text(d.get("timestamp")) or text(d.get("originalTimestamp"))
            ts_ms = bc.iso_to_ms(ts_text)
            if ts_ms is None:
                counts.rejected += 1
                continue
            key = text(d.get("messageId"))
            if key is None:
                if kind == "identify":
                    key = bc.fallback_dedup_key(uid, "identify " + (anon or ""), ts_text, None)
                else:
                    key = bc.fallback_dedup_key(uid or anon, ev, ts_text, hint)
            yield (key, kind, uid, anon, ev, ts_ms, hint)


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f)


def load(con, src):
    counts = Counts()
    con.execute("BEGIN")
    con.execute("""
        CREATE TABLE IF NOT EXISTS events (
            dedup_key  TEXT PRIMARY KEY,
            kind       TEXT,
            user_id    TEXT,
            anon_id    TEXT,
            event_name TEXT,
            ts_ms      INTEGER,
            group_hint TEXT)""")
    before = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    con.executemany("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                    event_rows(os.path.join(src, "events.jsonl"), counts))
    after = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    con.execute("DROP TABLE IF EXISTS users")
    con.execute("""
        CREATE TABLE users (user_id TEXT PRIMARY KEY, email TEXT, company_domain TEXT,
                            title TEXT, created_at_ms INTEGER)""")
    con.executemany(
        "INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?, ?)",
        ((bc.csv_text(r.get("user_id")), bc.csv_text(r.get("email")),
          bc.csv_text(r.get("company_domain")), bc.csv_text(r.get("title")),
          bc.iso_to_ms(bc.csv_text(r.get("created_at"))))
         for r in csv_rows(os.path.join(src, "users.csv"))
         if bc.csv_text(r.get("user_id")) is not None))
    con.execute("DROP TABLE IF EXISTS companies")
    con.execute("""
        CREATE TABLE companies (domain TEXT PRIMARY KEY, name TEXT, employee_count REAL,
                                industry TEXT, estimated_revenue REAL, country TEXT)""")
    con.executemany(
        "INSERT OR IGNORE INTO companies VALUES (?, ?, ?, ?, ?, ?)",
        ((bc.csv_text(r.get("domain")), bc.csv_text(r.get("name")),
          bc.csv_number(r.get("employee_count")), bc.csv_text(r.get("industry")),
          bc.csv_number(r.get("estimated_revenue")), bc.csv_text(r.get("country")))
         for r in csv_rows(os.path.join(src, "companies.csv"))
         if bc.csv_text(r.get("domain")) is not None))
    con.execute("COMMIT")
    return {"lines": counts.lines, "inserted": after - before, "rejected": counts.rejected,
            "events": after}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("as_of")
    ap.add_argument("out")
    ap.add_argument("--db", help="database file (default: a fresh temporary file)")
    ap.add_argument("--append", action="store_true",
                    help="keep an existing --db and add new events to it")
    ap.add_argument("--sql", default=bc.SCORING_SQL, help="scoring query (default: scoring.sql)")
    args = ap.parse_args(argv)
    as_of_ms = bc.parse_as_of(args.as_of)
    tmpdir = None
    if args.db:
        db = args.db
    else:
        tmpdir = tempfile.mkdtemp(prefix="bench_sqlite_")
        db = os.path.join(tmpdir, "bench.sqlite")
    bc.fresh_db_path(db, args.append)

    t0 = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    counts = load(con, args.dir)
    t1 = time.perf_counter()
    rows = con.execute(bc.load_sql(as_of_ms, args.sql)).fetchall()
    bc.write_scores(args.out, rows)
    t2 = time.perf_counter()
    con.close()
    if tmpdir:
        bc.fresh_db_path(db, False)
        os.rmdir(tmpdir)
    report = {"engine": "sqlite", "sqlite_version": sqlite3.sqlite_version,
              "as_of": args.as_of, "as_of_ms": as_of_ms}
    report.update(counts)
    report.update({"users_scored": len(rows), "load_s": round(t1 - t0, 3),
                   "score_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3)})
    print(json.dumps(report))


if __name__ == "__main__":
    main()
