#!/usr/bin/env python3
"""Run both baselines on one workspace, check they agree, report median timings.

usage: run_bench.py DIR [--as-of ISO] [--repeat N] [--reference] [--workdir PATH] [--also CSV ...]

AS_OF defaults to DIR/manifest.json's `as_of`. Each repeat runs duckdb_score.py and
sqlite_score.py with fresh database files under --workdir (default: a temp dir), then
compare.py over their outputs (plus reference_score.py's with --reference, plus any
--also CSV, e.g. Briefer's own output). Prints one JSON line per run and a summary
JSON line; exits non-zero when the scores differ.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(args):
    r = subprocess.run([sys.executable] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit("failed: %s" % " ".join(args))
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--as-of")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference", action="store_true", help="also run reference_score.py once")
    ap.add_argument("--workdir")
    ap.add_argument("--also", action="append", default=[], metavar="CSV",
                    help="another engine's output to include in the comparison")
    args = ap.parse_args(argv)
    as_of = args.as_of
    if as_of is None:
        with open(os.path.join(args.dir, "manifest.json"), encoding="utf-8") as f:
            as_of = json.load(f)["as_of"]
    work = args.workdir or tempfile.mkdtemp(prefix="bench_run_")
    os.makedirs(work, exist_ok=True)
    results = {"duckdb": [], "sqlite": []}
    outs = {}
    for i in range(args.repeat):
        for engine in ("duckdb", "sqlite"):
            out = os.path.join(work, "%s.csv" % engine)
            db = os.path.join(work, "bench.%s" % engine)
            rep = run([os.path.join(HERE, "%s_score.py" % engine), args.dir, as_of, out, "--db", db])
            print(json.dumps(rep), flush=True)
            results[engine].append(rep)
            outs[engine] = out
    files = [outs["duckdb"], outs["sqlite"]]
    if args.reference:
        ref = os.path.join(work, "reference.csv")
        print(json.dumps(run([os.path.join(HERE, "reference_score.py"), args.dir, as_of, ref])),
              flush=True)
        files.append(ref)
    files += args.also
    cmp = subprocess.run([sys.executable, os.path.join(HERE, "compare.py")] + files,
                         capture_output=True, text=True)
    sys.stdout.write(cmp.stdout)
    summary = {"as_of": as_of, "repeat": args.repeat, "identical": cmp.returncode == 0}
    for engine, reps in results.items():
        for k in ("load_s", "score_s", "total_s"):
            summary["%s_%s_median" % (engine, k)] = round(statistics.median(r[k] for r in reps), 3)
    summary["sqlite_over_duckdb_total"] = round(
        summary["sqlite_total_s_median"] / summary["duckdb_total_s_median"], 2)
    print(json.dumps(summary))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return cmp.returncode


if __name__ == "__main__":
    sys.exit(main())
