#!/usr/bin/env python3
"""The SPEC §9 benchmark, side by side in one run on the same files (`make bench`).

usage: bench.py --briefer PATH [--events N] [--workdir DIR] [--config YAML]

1. Generates N Segment lines with the fixture generator (Fixtures/generator/generate.py bench):
   track, page and screen calls of users and of anonymous visitors, identify calls linking
   visitors to users; reusing DIR when its manifest already matches (lines and version).
2. Runs, on the same files:
   (a) Briefer (release build): ingest users, companies and events into a fresh database, then
       score everything as of the manifest's as_of (writing per-user scores);
   (b) DuckDB: read the JSON into a database file with a unique dedup key, run scoring.sql;
   (c) a plain Python job: json.loads the lines into SQLite, run the same scoring.sql;
   (d) Briefer: ingest the 10k extra lines (events, and identify calls linking older anonymous
       events) into (a)'s database and rescore at later_as_of.
3. Checks that (a), (b) and (c) give identical per-user scores (and (d) the same as DuckDB after
   appending the same extra events), then prints times, ratios and the SPEC §9 targets.
Exits non-zero when the scores differ.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH_VERSION = 2   # the generator's bench manifest `version` this script expects


def timed(cmd, **kwargs):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("failed: " + " ".join(cmd))
    return elapsed, result.stdout


def engine(script, data, as_of, out, db, append=False):
    cmd = [sys.executable, os.path.join(HERE, script), data, as_of, out, "--db", db] + (["--append"] if append else [])
    elapsed, stdout = timed(cmd)
    report = json.loads(stdout.strip().splitlines()[-1])
    return report["total_s"], report


def compare(*files):
    result = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), *files], capture_output=True, text=True)
    print("  " + (result.stdout + result.stderr).strip().replace("\n", "\n  "))
    return result.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--briefer", required=True)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--workdir", default=os.path.join(ROOT, ".build", "bench"))
    ap.add_argument("--config", default=os.path.join(ROOT, "config/briefer.yaml"),
                    help="Briefer's configuration (default: config/briefer.yaml)")
    args = ap.parse_args()
    briefer = os.path.abspath(args.briefer)
    config = os.path.abspath(args.config)
    data = os.path.join(args.workdir, "data")
    runs = os.path.join(args.workdir, "runs")
    os.makedirs(runs, exist_ok=True)

    manifest_path = os.path.join(data, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    if manifest.get("files", {}).get("events.jsonl", {}).get("lines") != args.events \
            or manifest.get("version") != BENCH_VERSION:
        print(f"generating {args.events} events into {data} ...", flush=True)
        shutil.rmtree(data, ignore_errors=True)
        elapsed, _ = timed([sys.executable, os.path.join(ROOT, "Fixtures/generator/generate.py"), "bench",
                            "--events", str(args.events), "--out", data])
        print(f"  generated in {elapsed:.1f} s", flush=True)
        manifest = json.load(open(manifest_path))
    as_of, later = manifest["as_of"], manifest["later_as_of"]
    size_mb = os.path.getsize(os.path.join(data, "events.jsonl")) / 1e6
    lines = manifest["files"]["events.jsonl"]
    print(f"data: {lines['lines']} lines ({size_mb:.0f} MB: {lines['page_lines']} page, {lines['screen_lines']} screen, "
          f"{lines['identify_lines']} identify, {lines['anonymous_event_lines']} anonymous), "
          f"{manifest['files']['users.csv']['rows']} users, as of {as_of}", flush=True)

    def fresh(path):
        for suffix in ("", "-wal", "-shm", ".wal"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return path

    # (a) Briefer: ingest + full scoring.
    db = fresh(os.path.join(runs, "briefer.sqlite"))
    briefer_csv = os.path.join(runs, "briefer.csv")
    t_ingest, _ = timed([briefer, "ingest", "--db", db, "--config", config,
                         os.path.join(data, "companies.csv"), os.path.join(data, "users.csv"), os.path.join(data, "events.jsonl")])
    t_score, _ = timed([briefer, "score", "--db", db, "--config", config,
                        "--as-of", as_of, "--users-csv", briefer_csv])
    a = t_ingest + t_score
    print(f"(a) briefer ingest + score: {a:.2f} s (ingest {t_ingest:.2f} s, score {t_score:.2f} s)", flush=True)

    # (b) DuckDB, (c) Python + SQLite.
    duck_db = fresh(os.path.join(runs, "bench.duckdb"))
    duck_csv = os.path.join(runs, "duckdb.csv")
    b, b_report = engine("duckdb_score.py", data, as_of, duck_csv, duck_db)
    print(f"(b) duckdb load + score: {b:.2f} s (load {b_report['load_s']:.2f} s, score {b_report['score_s']:.2f} s)", flush=True)
    sqlite_db = fresh(os.path.join(runs, "bench.sqlite"))
    sqlite_csv = os.path.join(runs, "sqlite.csv")
    c, c_report = engine("sqlite_score.py", data, as_of, sqlite_csv, sqlite_db)
    print(f"(c) python + sqlite load + score: {c:.2f} s (load {c_report['load_s']:.2f} s, score {c_report['score_s']:.2f} s)", flush=True)

    print("same per-user scores (a) = (b) = (c)?", flush=True)
    same = compare(briefer_csv, duck_csv, sqlite_csv)

    # (d) 10k more events, rescore everything at the later as-of.
    extra = os.path.join(data, "extra_events.jsonl")
    later_csv = os.path.join(runs, "briefer-later.csv")
    t_extra, _ = timed([briefer, "ingest", "--db", db, "--config", config, extra])
    t_rescore, _ = timed([briefer, "score", "--db", db, "--config", config,
                          "--as-of", later, "--users-csv", later_csv])
    d = t_extra + t_rescore
    print(f"(d) briefer +10k events and rescore at {later}: {d:.2f} s (ingest {t_extra:.2f} s, score {t_rescore:.2f} s)", flush=True)
    extra_dir = os.path.join(runs, "extra")
    os.makedirs(extra_dir, exist_ok=True)
    shutil.copy(extra, os.path.join(extra_dir, "events.jsonl"))
    for name in ("users.csv", "companies.csv"):
        shutil.copy(os.path.join(data, name), os.path.join(extra_dir, name))
    duck_later = os.path.join(runs, "duckdb-later.csv")
    engine("duckdb_score.py", extra_dir, later, duck_later, duck_db, append=True)
    print("same per-user scores after (d), Briefer vs DuckDB with the same lines appended?", flush=True)
    same_later = compare(later_csv, duck_later)

    summary = {
        "events": manifest["files"]["events.jsonl"]["lines"], "a_briefer_s": round(a, 3), "a_ingest_s": round(t_ingest, 3),
        "a_score_s": round(t_score, 3), "b_duckdb_s": round(b, 3), "c_python_sqlite_s": round(c, 3),
        "d_incremental_s": round(d, 3), "d_ingest_s": round(t_extra, 3), "d_score_s": round(t_rescore, 3),
        "c_over_a": round(c / a, 2), "a_over_b": round(a / b, 2), "identical": same and same_later,
    }
    print()
    print(f"ratios: (c)/(a) = {c / a:.2f}x faster than Python + SQLite (target >= 5x: {'met' if c / a >= 5 else 'NOT met'}); "
          f"(a)/(b) = {a / b:.2f}x DuckDB's time (target <= 2x: {'met' if a / b <= 2 else 'NOT met'}); "
          f"(d) = {d:.2f} s (target < 0.5 s: {'met' if d < 0.5 else 'NOT met'})")
    print(json.dumps(summary))
    return 0 if summary["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
