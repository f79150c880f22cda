#!/usr/bin/env python3
"""Compare per-user score CSVs: compare.py A.csv B.csv [C.csv ...]

Each file: header `user_id,activation,engagement,firmographic,pql_score`, one row per
user. Prints `identical: N users` and exits 0 when every file holds the same users with
the same four integers; otherwise prints the first differing rows (at most --show, by
user_id) and exits 1. Exit 2 on unreadable input (bad header, duplicate user, non-integer).
"""

import argparse
import csv
import sys

HEADER = ["user_id", "activation", "engagement", "firmographic", "pql_score"]
MISSING = "(missing)"


def read_scores(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != HEADER:
            raise SystemExit("%s: header %r, expected %r" % (path, header, HEADER))
        scores = {}
        for n, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(HEADER):
                raise SystemExit("%s:%d: %d fields, expected %d" % (path, n, len(row), len(HEADER)))
            user = row[0]
            if user in scores:
                raise SystemExit("%s:%d: duplicate user %r" % (path, n, user))
            try:
                scores[user] = tuple(int(v) for v in row[1:])
            except ValueError:
                raise SystemExit("%s:%d: non-integer score in %r" % (path, n, row))
        return scores


def main(argv=None):
    ap = argparse.ArgumentParser(description="compare per-user score CSVs")
    ap.add_argument("files", nargs="+", metavar="CSV")
    ap.add_argument("--show", type=int, default=10, help="differing users to print (default 10)")
    args = ap.parse_args(argv)
    if len(args.files) < 2:
        ap.error("need at least two files")
    try:
        tables = [read_scores(p) for p in args.files]
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    users = sorted(set().union(*tables))
    diff = [u for u in users if len({t.get(u) for t in tables}) != 1]
    if not diff:
        print("identical: %d users" % len(users))
        return 0
    print("DIFFERENT: %d of %d users differ (%s)" % (
        len(diff), len(users), ", ".join("%s: %d users" % (p, len(t))
                                         for p, t in zip(args.files, tables))))
    width = max(len(p) for p in args.files)
    for u in diff[:args.show]:
        print("user %s" % u)
        for p, t in zip(args.files, tables):
            s = t.get(u)
            print("  %-*s  %s" % (width, p, MISSING if s is None else
                                  "activation=%d engagement=%d firmographic=%d pql_score=%d" % s))
    if len(diff) > args.show:
        print("... and %d more" % (len(diff) - args.show))
    return 1


if __name__ == "__main__":
    sys.exit(main())
