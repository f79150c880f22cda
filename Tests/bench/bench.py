#!/usr/bin/env python3
"""The SPEC §9 benchmark and issue 19's goals, side by side in one run on the same files (`make bench`).

usage: bench.py --briefer PATH [--events N] [--workdir DIR] [--config YAML] [--repeats 5] [--no-large]
                [--large-events 4000000] [--base-events 6000000] [--strict]

1. Generates N Segment lines with the fixture generator (Fixtures/generator/generate.py bench, seed 11):
   track, page and screen calls of users and of anonymous visitors, identify calls linking
   visitors to users; reusing DIR/data when its manifest already matches (lines, version, seed).
2. Runs, on the same files, each step --repeats times (interleaved: repeat 1 runs a, b, c, d; repeat 2 ...):
   (a) Briefer (release build): ingest users, companies and events into a fresh database, then
       score everything as of the manifest's as_of (writing per-user scores);
   (b) DuckDB: read the JSON into a database file with a unique dedup key, run scoring.sql;
   (c) a plain Python job: json.loads the lines into SQLite, run the same scoring.sql;
   (d) Briefer: ingest the 10k extra lines (events, and identify calls linking older anonymous
       events) into a copy of that repeat's (a) database (the copy is not timed) and rescore at later_as_of.
   The first repeat checks that (a), (b) and (c) give identical per-user scores, and (d) the same as
   DuckDB after appending the same extra lines; later repeats' Briefer outputs must equal the first's.
   Each `briefer ingest` child's peak RSS is taken exactly (os.wait4's ru_maxrss, bench_rss.py).
3. Unless --no-large: generates a --large-events workspace (seed 12) and a --base-events one (seed 13;
   other seeds, so other messageIds: nothing deduplicates), under DIR/large, and measures once each
   (memory, not speed) `briefer ingest` of companies, users and events: the large input into a fresh
   database; the base into a fresh database (not a goal); the large input into that base database
   (6M -> 10M by default); the main workspace into it (10M -> 11M). The databases are deleted afterwards.
4. Prints each repeat's times, median / min / max, and issue 19's goals on the medians:
   (1) c/a >= 5 and a <= b; (2) d <= 0.2 s; (3) ingest peak RSS <= 150 MB (10^6 bytes) for the 1M and the
   large input, into a fresh database and into one of up to ~10M events (and for (d)'s ingest);
   then `goals: all met` or `goals: NOT met (...)` and one JSON line.
Exits 1 when the scores differ; else 0, or 3 with --strict when a measured goal is not met.
"""

import argparse
import filecmp
import json
import os
import shutil
import statistics
import sys

from bench_rss import db_events, mb, run_measured

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH_VERSION = 2   # the generator's bench manifest `version` this script expects
MAIN_SEED, LARGE_SEED, BASE_SEED = 11, 12, 13
GOAL_C_OVER_A = 5.0   # (c)/(a) at least
GOAL_D_S = 0.2        # (d) at most, seconds
GOAL_RSS_MB = 150.0   # ingest peak RSS at most, MB of 10^6 bytes


def timed(cmd):
    """(seconds, stdout, peak RSS KiB) of cmd; stops the bench when it fails."""
    m = run_measured(cmd)
    if m.returncode != 0:
        sys.stderr.write(m.stdout + m.stderr)
        raise SystemExit("failed: " + " ".join(cmd))
    return m.seconds, m.stdout, m.maxrss_kib


def engine(script, data, as_of, out, db, append=False):
    cmd = [sys.executable, os.path.join(HERE, script), data, as_of, out, "--db", db] + (["--append"] if append else [])
    _, stdout, rss = timed(cmd)
    report = json.loads(stdout.strip().splitlines()[-1])
    report["rss_kib"] = rss
    return report["total_s"], report


def compare(*files):
    result = run_measured([sys.executable, os.path.join(HERE, "compare.py"), *files])
    print("    " + (result.stdout + result.stderr).strip().replace("\n", "\n    "), flush=True)
    return result.returncode == 0


def fresh(path):
    for suffix in ("", "-wal", "-shm", ".wal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return path


def copy_db(src, dst):
    """The database file and its -wal (SQLite rebuilds the -shm index from it)."""
    fresh(dst)
    shutil.copyfile(src, dst)
    if os.path.exists(src + "-wal"):
        shutil.copyfile(src + "-wal", dst + "-wal")
    return dst


def workspace(path, events, seed):
    """The bench workspace in path, generated unless its manifest already matches."""
    manifest_path = os.path.join(path, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    if manifest.get("files", {}).get("events.jsonl", {}).get("lines") != events \
            or manifest.get("version") != BENCH_VERSION or manifest.get("seed") != seed:
        print(f"generating {events} events (seed {seed}) into {path} ...", flush=True)
        shutil.rmtree(path, ignore_errors=True)
        elapsed, _, _ = timed([sys.executable, os.path.join(ROOT, "Fixtures/generator/generate.py"), "bench",
                               "--events", str(events), "--seed", str(seed), "--out", path])
        print(f"  generated in {elapsed:.1f} s", flush=True)
        manifest = json.load(open(manifest_path))
    return manifest


def ws_files(path):
    return [os.path.join(path, name) for name in ("companies.csv", "users.csv", "events.jsonl")]


def short(n):
    """4000000 -> 4M, 40000 -> 40k, 1500000 -> 1.5M."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:g}M"
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def spread(xs):
    return statistics.median(xs), min(xs), max(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--briefer", required=True)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--workdir", default=os.path.join(ROOT, ".build", "bench"))
    ap.add_argument("--config", default=os.path.join(ROOT, "config/briefer.yaml"),
                    help="Briefer's configuration (default: config/briefer.yaml)")
    ap.add_argument("--repeats", type=int, default=5, help="runs of (a), (b), (c) and (d) each (default 5)")
    ap.add_argument("--no-large", action="store_true", help="skip the large-input peak RSS part")
    ap.add_argument("--large-events", type=int, default=4_000_000, help="the large input (default 4000000)")
    ap.add_argument("--base-events", type=int, default=6_000_000,
                    help="the database the large and the main inputs go into (default 6000000)")
    ap.add_argument("--strict", action="store_true", help="exit 3 when a measured goal is not met")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    briefer = os.path.abspath(args.briefer)
    config = os.path.abspath(args.config)
    data = os.path.join(args.workdir, "data")
    runs = os.path.join(args.workdir, "runs")
    os.makedirs(runs, exist_ok=True)

    manifest = workspace(data, args.events, MAIN_SEED)
    as_of, later = manifest["as_of"], manifest["later_as_of"]
    size_mb = os.path.getsize(os.path.join(data, "events.jsonl")) / 1e6
    lines = manifest["files"]["events.jsonl"]
    print(f"data: {lines['lines']} lines ({size_mb:.0f} MB: {lines['page_lines']} page, {lines['screen_lines']} screen, "
          f"{lines['identify_lines']} identify, {lines['anonymous_event_lines']} anonymous), "
          f"{manifest['files']['users.csv']['rows']} users, as of {as_of}", flush=True)

    def briefer_ingest(db, files):
        return timed([briefer, "ingest", "--db", db, "--config", config, *files])

    def briefer_score(db, at, out):
        return timed([briefer, "score", "--db", db, "--config", config, "--as-of", at, "--users-csv", out])

    extra = os.path.join(data, "extra_events.jsonl")
    extra_dir = os.path.join(runs, "extra")
    os.makedirs(extra_dir, exist_ok=True)
    shutil.copy(extra, os.path.join(extra_dir, "events.jsonl"))
    for name in ("users.csv", "companies.csv"):
        shutil.copy(os.path.join(data, name), os.path.join(extra_dir, name))

    a_db, d_db = os.path.join(runs, "briefer.sqlite"), os.path.join(runs, "briefer-d.sqlite")
    duck_db, sqlite_db = os.path.join(runs, "bench.duckdb"), os.path.join(runs, "bench.sqlite")
    briefer_csv, later_csv = os.path.join(runs, "briefer.csv"), os.path.join(runs, "briefer-later.csv")
    duck_csv, sqlite_csv = os.path.join(runs, "duckdb.csv"), os.path.join(runs, "sqlite.csv")
    duck_later = os.path.join(runs, "duckdb-later.csv")
    keys = ("a", "a_ingest", "a_score", "a_rss", "b", "b_load", "b_score", "c", "c_load", "c_score",
            "d", "d_ingest", "d_score", "d_rss")
    runs_of = {k: [] for k in keys}
    same = same_later = same_repeats = True

    def step_a(out):
        t_ingest, _, rss = briefer_ingest(fresh(a_db), ws_files(data))
        t_score, _, _ = briefer_score(a_db, as_of, out)
        for k, v in (("a", t_ingest + t_score), ("a_ingest", t_ingest), ("a_score", t_score), ("a_rss", mb(rss))):
            runs_of[k].append(v)
        print(f"  (a) briefer ingest + score: {t_ingest + t_score:.2f} s (ingest {t_ingest:.2f} s, "
              f"peak RSS {mb(rss):.0f} MB; score {t_score:.2f} s)", flush=True)

    def step_d(out):
        copy_db(a_db, d_db)
        t_extra, _, rss = briefer_ingest(d_db, [extra])
        t_rescore, _, _ = briefer_score(d_db, later, out)
        for k, v in (("d", t_extra + t_rescore), ("d_ingest", t_extra), ("d_score", t_rescore), ("d_rss", mb(rss))):
            runs_of[k].append(v)
        print(f"  (d) briefer +10k events into a copy of (a)'s database, rescore at {later}: {t_extra + t_rescore:.2f} s "
              f"(ingest {t_extra:.2f} s, peak RSS {mb(rss):.0f} MB; score {t_rescore:.2f} s)", flush=True)

    def step_engine(key, label, script, out, db):
        t, report = engine(script, data, as_of, out, fresh(db))
        for k, v in ((key, t), (key + "_load", report["load_s"]), (key + "_score", report["score_s"])):
            runs_of[k].append(v)
        print(f"  ({key}) {label} load + score: {t:.2f} s (load {report['load_s']:.2f} s, "
              f"score {report['score_s']:.2f} s; peak RSS {mb(report['rss_kib']):.0f} MB)", flush=True)

    for i in range(1, args.repeats + 1):
        print(f"repeat {i}/{args.repeats}", flush=True)
        if i == 1:
            step_a(briefer_csv)
            step_engine("b", "duckdb", "duckdb_score.py", duck_csv, duck_db)
            step_engine("c", "python + sqlite", "sqlite_score.py", sqlite_csv, sqlite_db)
            print("  same per-user scores (a) = (b) = (c)?", flush=True)
            same = compare(briefer_csv, duck_csv, sqlite_csv)
            step_d(later_csv)
            engine("duckdb_score.py", extra_dir, later, duck_later, duck_db, append=True)
            print("  same per-user scores after (d), Briefer vs DuckDB with the same lines appended?", flush=True)
            same_later = compare(later_csv, duck_later)
        else:
            again, again_later = os.path.join(runs, "briefer-repeat.csv"), os.path.join(runs, "briefer-later-repeat.csv")
            step_a(again)
            step_d(again_later)
            for first, this in ((briefer_csv, again), (later_csv, again_later)):
                if not filecmp.cmp(first, this, shallow=False):
                    print(f"  Briefer's scores in this repeat differ from the first repeat's ({this}):", flush=True)
                    same_repeats = compare(first, this) and same_repeats
            step_engine("b", "duckdb", "duckdb_score.py", duck_csv, duck_db)
            step_engine("c", "python + sqlite", "sqlite_score.py", sqlite_csv, sqlite_db)
    identical = same and same_later and same_repeats

    med = {k: statistics.median(v) for k, v in runs_of.items()}
    print()
    print(f"{args.repeats} repeat{'s' if args.repeats > 1 else ''}, each repeat's value, then median / min / max:")
    rows = (("(a) briefer ingest + score, s", "a"), ("    ingest, s", "a_ingest"), ("    score, s", "a_score"),
            ("    ingest peak RSS, MB", "a_rss"),
            ("(b) duckdb load + score, s", "b"), ("    load, s", "b_load"), ("    score, s", "b_score"),
            ("(c) python + sqlite load + score, s", "c"), ("    load, s", "c_load"), ("    score, s", "c_score"),
            ("(d) briefer +10k and rescore, s", "d"), ("    ingest, s", "d_ingest"), ("    score, s", "d_score"),
            ("    ingest peak RSS, MB", "d_rss"))
    for label, k in rows:
        xs = runs_of[k]
        fmt = "{:.0f}" if k.endswith("rss") else "{:.2f}" if max(xs) >= 0.1 else "{:.3f}"
        m, lo, hi = spread(xs)
        print(f"  {label:<36} {' '.join(fmt.format(x).rjust(7) for x in xs)}   "
              f"median {fmt.format(m)}  min {fmt.format(lo)}  max {fmt.format(hi)}")

    # Large inputs: peak RSS only, each once.
    large = []
    if not args.no_large:
        large_root = os.path.join(args.workdir, "large")
        large_in, base_in, dbs = (os.path.join(large_root, d) for d in ("input", "base", "db"))
        print()
        print(f"large inputs, peak RSS of `briefer ingest` (companies, users and events each; once each; "
              f"databases in {dbs}, deleted afterwards):", flush=True)
        m_large = workspace(large_in, args.large_events, LARGE_SEED)
        m_base = workspace(base_in, args.base_events, BASE_SEED)
        n_large, n_base = (m["files"]["events.jsonl"]["lines"] for m in (m_large, m_base))
        shutil.rmtree(dbs, ignore_errors=True)
        os.makedirs(dbs)
        try:
            def measure(label, db, files, n_input, goal):
                before = db_events(db)
                seconds, _, rss = briefer_ingest(db, files)
                after = db_events(db)
                row = {"what": label, "input_events": n_input, "db_events_before": before, "db_events_after": after,
                       "rss_mb": round(mb(rss), 1), "seconds": round(seconds, 2), "goal": goal}
                large.append(row)
                print(f"  {label:<44} input {n_input:>9} lines, database {before if before is not None else '?':>9} -> "
                      f"{after if after is not None else '?':>9} events: peak RSS {mb(rss):6.1f} MB, {seconds:6.1f} s"
                      + ("" if goal else "  (not a goal)"), flush=True)

            one = fresh(os.path.join(dbs, "fresh.sqlite"))
            measure(f"{short(n_large)} into a fresh database", one, ws_files(large_in), n_large, True)
            fresh(one)
            big = os.path.join(dbs, "big.sqlite")
            measure(f"{short(n_base)} base into a fresh database", big, ws_files(base_in), n_base, False)
            measure(f"{short(n_large)} into the {short(n_base)} database", big, ws_files(large_in), n_large, True)
            measure(f"{short(lines['lines'])} (main) into the {short(n_base + n_large)} database", big, ws_files(data),
                    lines["lines"], True)
        finally:
            shutil.rmtree(dbs, ignore_errors=True)

    # Issue 19's goals, on the medians.
    a, b, c, d = med["a"], med["b"], med["c"], med["d"]
    goal1 = c / a >= GOAL_C_OVER_A and a <= b
    goal2 = d <= GOAL_D_S
    rss_checked = [(f"{short(lines['lines'])} fresh (median)", med["a_rss"]), ("(d) 10k (median)", med["d_rss"])] + \
        [(r["what"], r["rss_mb"]) for r in large if r["goal"]]
    goal3 = all(v <= GOAL_RSS_MB for _, v in rss_checked)
    complete = not args.no_large
    print()
    print(f"goals (issue 19), medians of {args.repeats} repeat{'s' if args.repeats > 1 else ''}:")
    print(f"  1. ingest + score: (c)/(a) = {c:.2f} / {a:.2f} = {c / a:.2f}x (>= {GOAL_C_OVER_A:g}x: "
          f"{'yes' if c / a >= GOAL_C_OVER_A else 'no'}), (a) {a:.2f} s vs (b) DuckDB {b:.2f} s = {a / b:.2f}x "
          f"(<= 1x: {'yes' if a <= b else 'no'}): {'met' if goal1 else 'NOT met'}")
    print(f"  2. (d) +10k events and rescore: {d:.3f} s (<= {GOAL_D_S:g} s): {'met' if goal2 else 'NOT met'}")
    print(f"  3. ingest peak RSS (<= {GOAL_RSS_MB:g} MB): "
          + ", ".join(f"{label} {v:.0f} MB" for label, v in rss_checked)
          + f": {'met' if goal3 else 'NOT met'}" + ("" if complete else " (large inputs not measured: --no-large)"))
    unmet = [str(n) for n, ok in ((1, goal1), (2, goal2), (3, goal3)) if not ok]
    goals_met = identical and not unmet and complete
    if not identical:
        print("goals: NOT met (the scores differ" + (f"; also goal {', '.join(unmet)}" if unmet else "") + ")")
    elif unmet:
        print(f"goals: NOT met ({', '.join('goal ' + u for u in unmet)})")
    elif not complete:
        print("goals: measured ones met; goal 3 incomplete (--no-large)")
    else:
        print("goals: all met")

    r3 = lambda x: round(x, 3)   # noqa: E731
    summary = {
        "events": lines["lines"], "repeats": args.repeats,
        "a_briefer_s": r3(a), "a_ingest_s": r3(med["a_ingest"]), "a_score_s": r3(med["a_score"]),
        "b_duckdb_s": r3(b), "c_python_sqlite_s": r3(c),
        "d_incremental_s": r3(d), "d_ingest_s": r3(med["d_ingest"]), "d_score_s": r3(med["d_score"]),
        "c_over_a": round(c / a, 2), "a_over_b": round(a / b, 2),
        "a_ingest_rss_mb": round(med["a_rss"], 1), "d_ingest_rss_mb": round(med["d_rss"], 1),
        "runs_s": {k: [r3(x) for x in runs_of[k]] for k in ("a", "b", "c", "d")},
        "large": large, "goals": {"1": goal1, "2": goal2, "3": goal3}, "goals_complete": complete,
        "goals_met": goals_met, "identical": identical,
    }
    print(json.dumps(summary))
    if not identical:
        return 1
    return 3 if args.strict and unmet else 0


if __name__ == "__main__":
    sys.exit(main())
