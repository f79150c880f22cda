#!/usr/bin/env python3
"""Seed 004's scoring SQL run by DuckDB, over a database file with a unique dedup key.

usage: duckdb_score.py DIR AS_OF_ISO OUT.csv [--db PATH] [--append] [--threads N]

Reads DIR/events.jsonl with DuckDB's JSON reader (explicit columns), inserts the track,
page, screen and identify calls into `events` (dedup_key PRIMARY KEY, INSERT OR IGNORE), loads DIR/users.csv and
DIR/companies.csv, checkpoints the file, runs Tests/bench/scoring.sql as of AS_OF_ISO,
writes OUT.csv and prints one JSON line of timings (seconds) on stdout.

Event normalization (identical in sqlite_score.py):
  track, page, screen and identify lines (`type` absent = track; other types are skipped,
  as is an identify without userId);
  user = userId, else user_id (seed 004); anonymous id = anonymousId; anonymous-only events
  are kept with user NULL; identify rows keep both ids (a link) and no name;
  event = event, else event_name; a page or screen call's name is derived by the page rules
  (bench_common.page_event_name, written in SQL by page_name_sql); time = timestamp, else
  originalTimestamp (ISO 8601, no offset = UTC, sub-ms truncated); unparseable time ->
  rejected (counted); group hint (activity only) = context.groupId, else context.company_domain;
  dedup key = messageId, else bench_common.fallback_dedup_key(...).
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

import duckdb  # noqa: E402


def q(path):
    return "'" + path.replace("'", "''") + "'"


def ms_expr(text_expr):
    """SQL: ISO text -> floor ms since the epoch (NULL when unparseable)."""
    us = "epoch_us(TRY_CAST(%s AS TIMESTAMPTZ))" % text_expr
    return "((%s) - ((((%s) %% 1000) + 1000) %% 1000)) // 1000" % (us, us)


def csv_text(col):
    return "NULLIF(trim(%s), '')" % col


def csv_number(col):
    t = "trim(%s)" % col
    return "CASE WHEN regexp_full_match(%s, '%s') THEN CAST(%s AS DOUBLE) END" % (
        t, bc.NUMBER_RE_SQL, t)


WS = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"   # bench_common.WHITESPACE


def json_text(expr, path="$"):
    """SQL: a JSON string member, trimmed; absent, not a string or empty -> NULL."""
    return ("CASE WHEN json_type(%s, '%s') = 'VARCHAR' THEN NULLIF(trim(json_extract_string(%s, '%s'), %s), '') END"
            % (expr, path, expr, path, WS))


def page_name_sql():
    """SQL over the `source` columns: bench_common.page_event_name(kind, *page_fields(kind, line))
    with the default rules (path `/pricing*`, then name `Pricing`)."""
    url = json_text("properties", "$.url")
    url_path = ("CASE WHEN instr(%s, '://') > 0 THEN COALESCE(NULLIF(regexp_extract(%s, '://[^/]*(/[^?#]*)', 1), ''), '/') END"
                % (url, url))
    path = "COALESCE(%s, %s, %s)" % (json_text("properties", "$.path"), json_text("context.page", "$.path"), url_path)
    name = "COALESCE(%s, %s)" % (json_text("name"), json_text("properties", "$.name"))
    category = "COALESCE(%s, %s)" % (json_text("category"), json_text("properties", "$.category"))
    return """CASE
            WHEN "type" = 'page' AND lower({path}) LIKE '/pricing%' THEN 'pricing_page_viewed'
            WHEN lower({name}) = 'pricing' THEN 'pricing_page_viewed'
            WHEN "type" = 'screen' THEN COALESCE('Viewed ' || {name} || ' Screen', 'Loaded a Screen')
            ELSE COALESCE('Viewed ' || COALESCE({category} || ' ', '') || {name} || ' Page',
                          'Viewed ' || {category} || ' Page', 'Loaded a Page')
        END""".format(path=path, name=name, category=category)


def load(con, src, with_stats=False):
    events = os.path.join(src, "events.jsonl")
    con.execute("""
        CREATE TABLE IF NOT EXISTS events (
            dedup_key  VARCHAR PRIMARY KEY,
            kind       VARCHAR,
            user_id    VARCHAR,
            anon_id    VARCHAR,
            event_name VARCHAR,
            ts_ms      BIGINT,
            group_hint VARCHAR)""")
    before = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    source = """
        SELECT NULLIF(messageId, '') AS message_id,
               kind,
               COALESCE(NULLIF(userId, ''), NULLIF(user_id, '')) AS uid,
               NULLIF(anonymousId, '') AS anon,
               CASE WHEN kind = 'track' THEN COALESCE(NULLIF("event", ''), NULLIF(event_name, ''))
                    WHEN kind IN ('page', 'screen') THEN %s END AS ev,
               COALESCE(NULLIF("timestamp", ''), NULLIF(originalTimestamp, '')) AS ts_text,
               CASE WHEN kind <> 'identify'
                    THEN COALESCE(NULLIF(context.groupId, ''), NULLIF(context.company_domain, '')) END AS hint
        FROM (SELECT *, COALESCE("type", 'track') AS kind
              FROM read_json(%s, format = 'newline_delimited', ignore_errors = true,
                       maximum_object_size = 1048576,
                       columns = {
                           "type": 'VARCHAR', messageId: 'VARCHAR',
                           userId: 'VARCHAR', anonymousId: 'VARCHAR', user_id: 'VARCHAR',
                           "event": 'VARCHAR', event_name: 'VARCHAR',
                           "timestamp": 'VARCHAR', originalTimestamp: 'VARCHAR',
                           "name": 'JSON', category: 'JSON', properties: 'JSON',
                           context: 'STRUCT(groupId VARCHAR, company_domain VARCHAR, page JSON)'}))
        WHERE kind IN ('track', 'page', 'screen')
           OR (kind = 'identify' AND COALESCE(NULLIF(userId, ''), NULLIF(user_id, '')) IS NOT NULL)""" % (
        page_name_sql(), q(events))
    con.execute("""
        INSERT OR IGNORE INTO events
        SELECT COALESCE(message_id,
                        'h:' || md5(concat_ws(chr(31), COALESCE(uid, anon, ''),
                                              CASE WHEN kind = 'identify' THEN 'identify ' || COALESCE(anon, '')
                                                   ELSE COALESCE(ev, '') END,
                                              COALESCE(ts_text, ''), COALESCE(hint, '')))),
               kind, uid, anon, ev, ts_ms, hint
        FROM (SELECT *, %s AS ts_ms FROM (%s))
        WHERE ts_ms IS NOT NULL""" % (ms_expr("ts_text"), source))
    after = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    stats = {"inserted": after - before, "events": after}
    if with_stats:  # an extra pass over the file; run only on request, outside the timing
        stats["_source"] = source

    csv_opts = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"
    con.execute("""
        CREATE OR REPLACE TABLE users AS
        SELECT user_id, email, company_domain, title, created_at_ms
        FROM (SELECT %s AS user_id, %s AS email, %s AS company_domain, %s AS title,
                     %s AS created_at_ms, row_number() OVER () AS file_row
              FROM read_csv(%s, %s))
        WHERE user_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY file_row) = 1"""
                % (csv_text("user_id"), csv_text("email"), csv_text("company_domain"),
                   csv_text("title"), ms_expr(csv_text("created_at")),
                   q(os.path.join(src, "users.csv")), csv_opts))
    con.execute("""
        CREATE OR REPLACE TABLE companies AS
        SELECT domain, name, employee_count, industry, estimated_revenue, country
        FROM (SELECT %s AS domain, %s AS name, %s AS employee_count, %s AS industry,
                     %s AS estimated_revenue, %s AS country, row_number() OVER () AS file_row
              FROM read_csv(%s, %s))
        WHERE domain IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY domain ORDER BY file_row) = 1"""
                % (csv_text("domain"), csv_text("name"), csv_number("employee_count"),
                   csv_text("industry"), csv_number("estimated_revenue"), csv_text("country"),
                   q(os.path.join(src, "companies.csv")), csv_opts))
    con.execute("CHECKPOINT")
    return stats


def source_stats(con, source):
    """Untimed: lines read (track, page, screen, identify) and lines rejected for an unparseable time."""
    lines, rejected = con.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE %s IS NULL) FROM (%s)"
        % (ms_expr("ts_text"), source)).fetchone()
    return {"lines": lines, "rejected": rejected}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("as_of")
    ap.add_argument("out")
    ap.add_argument("--db", help="database file (default: a fresh temporary file)")
    ap.add_argument("--append", action="store_true",
                    help="keep an existing --db and add new events to it")
    ap.add_argument("--sql", default=bc.SCORING_SQL, help="scoring query (default: scoring.sql)")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    ap.add_argument("--stats", action="store_true",
                    help="also count lines read and rejected lines (an extra, untimed pass)")
    args = ap.parse_args(argv)
    as_of_ms = bc.parse_as_of(args.as_of)
    tmpdir = None
    if args.db:
        db = args.db
    else:
        tmpdir = tempfile.mkdtemp(prefix="bench_duckdb_")
        db = os.path.join(tmpdir, "bench.duckdb")
    bc.fresh_db_path(db, args.append)

    t0 = time.perf_counter()
    con = duckdb.connect(db)
    con.execute("SET TimeZone = 'UTC'")
    if args.threads:
        con.execute("SET threads = %d" % args.threads)
    counts = load(con, args.dir, args.stats)
    t1 = time.perf_counter()
    rows = con.execute(bc.load_sql(as_of_ms, args.sql)).fetchall()
    bc.write_scores(args.out, rows)
    t2 = time.perf_counter()
    if args.stats:
        counts.update(source_stats(con, counts.pop("_source")))
    con.close()
    if tmpdir:
        bc.fresh_db_path(db, False)
        os.rmdir(tmpdir)
    report = {"engine": "duckdb", "duckdb_version": duckdb.__version__,
              "as_of": args.as_of, "as_of_ms": as_of_ms}
    report.update(counts)
    report.update({
        "users_scored": len(rows),
        "load_s": round(t1 - t0, 3), "score_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3),
    })
    print(json.dumps(report))


if __name__ == "__main__":
    main()
