#!/usr/bin/env python3
"""Proof that `briefer sql` scores as `briefer score` does (SPEC §10; issue 18).

usage: equality.py --briefer PATH --db DB --as-of T [--as-of T2] [--models weighted,points]
                   [--engines duckdb,postgres,spark,bigquery,snowflake] [--work DIR]

For an ingested database: writes its input tables (`briefer sql inputs`), and for every model and as-of time scores it
with `briefer score` and runs the generated script in each engine over the same inputs (BigQuery and Snowflake
scripts transpiled to DuckDB with sqlglot), then compares per user (account, components, score, tier, is_pql,
reasons) and per account (score, tier, is_pql, best user, users, teammates, team bonus, components, reasons).
Prints one line per comparison and the first differences; exits 1 when any differ.
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engines  # noqa: E402

USER_FIELDS = ["account", "activation", "engagement", "firmographic", "fit", "behaviour", "score", "tier", "is_pql",
               "reasons"]
ACCOUNT_FIELDS = ["score", "tier", "is_pql", "best_user_id", "users", "active_teammates", "team_bonus", "activation",
                  "engagement", "firmographic", "fit", "behaviour", "reasons"]


def briefer(binary, *args):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"briefer {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def stored_scores(db, as_of, model):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    run = con.execute("SELECT id FROM scoring_runs WHERE as_of = ? AND model = ? ORDER BY id DESC LIMIT 1",
                      (as_of, model)).fetchone()
    users = {r["user_id"]: dict(r) for r in con.execute("SELECT * FROM user_scores WHERE run_id = ?", (run["id"],))}
    accounts = {r["account"]: dict(r) for r in con.execute("SELECT * FROM account_scores WHERE run_id = ?", (run["id"],))}
    # The CRM's contacts of the run (BrieferStore.contactCandidates, before the forgotten are left out).
    contacts = {(r["account"], r["user_id"]): dict(r) for r in con.execute(
        """SELECT s.account, s.user_id, s.score, COALESCE(u.csv_email, u.identify_email) AS email
           FROM user_scores s JOIN users u ON u.external_id = s.user_id
           WHERE s.run_id = ? AND COALESCE(u.csv_email, u.identify_email) IS NOT NULL""", (run["id"],))}
    con.close()
    return users, accounts, contacts


def normalized(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "__int__") and not isinstance(value, (str, int)):
        return int(value)
    return value


def compare(kind, expected, actual, fields, key):
    differences = []
    actual = {row[key]: row for row in actual}
    for k in sorted(set(expected) | set(actual)):
        if k not in actual:
            differences.append(f"{kind} {k}: only in briefer score")
            continue
        if k not in expected:
            differences.append(f"{kind} {k}: only in the SQL")
            continue
        for field in fields:
            e, a = normalized(expected[k][field]), normalized(actual[k][field])
            if e != a:
                differences.append(f"{kind} {k}.{field}: briefer {e!r}, SQL {a!r}")
    return differences


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--briefer", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--config")
    ap.add_argument("--as-of", action="append", required=True)
    ap.add_argument("--models", default="weighted,points")
    ap.add_argument("--engines", default="duckdb")
    ap.add_argument("--work")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="briefer-warehouse-")
    common = ["--db", args.db] + (["--config", args.config] if args.config else [])
    inputs = os.path.join(work, "inputs")
    briefer(args.briefer, "sql", "inputs", "--out", inputs, *common)

    failed = False
    for name in args.engines.split(","):
        engine = engines.make(name, work)
        started = time.perf_counter()
        engine.load(inputs)
        loaded = time.perf_counter() - started
        try:
            for model in args.models.split(","):
                for as_of in args.as_of:
                    started = time.perf_counter()
                    briefer(args.briefer, "score", "--as-of", as_of, "--model", model, *common)
                    scored = time.perf_counter() - started
                    users, accounts, contacts = stored_scores(args.db, as_of, model)
                    script = briefer(args.briefer, "sql", "--dialect", engine.dialect, "--as-of", as_of, "--model", model,
                                     *common)
                    started = time.perf_counter()
                    engine.run(script)
                    elapsed = time.perf_counter() - started
                    differences = compare("user", users, engine.fetch("briefer_user_scores"), USER_FIELDS, "user_id")
                    differences += compare("account", accounts, engine.fetch("briefer_account_scores"), ACCOUNT_FIELDS,
                                           "account")
                    sql_contacts = [dict(r, key=(r["account"], r["user_id"])) for r in engine.fetch("briefer_account_contacts")]
                    differences += compare("contact", contacts, sql_contacts, ["score", "email"], "key")
                    # The comparison itself must be able to fail: a run with no users, or one that does not notice a
                    # changed score and reason, proves nothing.
                    if not users or not accounts:
                        differences.append("briefer score scored nobody: nothing is compared")
                    else:
                        probe = {k: dict(v) for k, v in users.items()}
                        first = sorted(probe)[0]
                        probe[first]["score"] += 1
                        probe[first]["reasons"] += "; probe:+0"
                        sql_users = engine.fetch("briefer_user_scores")
                        baseline = len(compare("user", users, sql_users, USER_FIELDS, "user_id"))
                        if len(compare("user", probe, sql_users, USER_FIELDS, "user_id")) < 2 + baseline:
                            differences.append("the comparison did not notice a changed score: it cannot fail")
                    status = "equal" if not differences else f"{len(differences)} differences"
                    print(f"{engine.label}: {model} as of {as_of}: {len(users)} users, {len(accounts)} accounts, {len(contacts)} contacts: {status} "
                          f"(script {elapsed:.2f} s, load {loaded:.2f} s; briefer score {scored:.2f} s)", flush=True)
                    for line in differences[:15]:
                        print("  " + line)
                    failed = failed or bool(differences)
        finally:
            engine.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
