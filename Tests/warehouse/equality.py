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
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


OUTPUTS = ["run", "user_scores", "account_scores", "account_contacts", "account_facts", "account_profiles"]


def export_csv(engine, folder):
    """The script's output tables as CSV files, as a warehouse exports them (NULL as an empty field)."""
    import csv
    os.makedirs(folder, exist_ok=True)
    for table in OUTPUTS:
        rows = engine.fetch("briefer_" + table)
        with open(os.path.join(folder, f"briefer_{table}.csv"), "w", newline="", encoding="utf-8") as f:
            if not rows:
                continue
            writer = csv.writer(f)
            names = list(rows[0])
            writer.writerow(names)
            for row in rows:
                writer.writerow(["" if row[n] is None else normalized(row[n]) for n in names])


def crm_files(folder):
    """Every request body the CRM sync wrote, by file name (the run-specific folder names left out)."""
    import glob
    import json
    bodies = {}
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.json"), recursive=True)):
        if os.path.basename(path) == "manifest.json":
            continue
        with open(path, encoding="utf-8") as f:
            body = json.load(f)
        bodies[os.path.relpath(path, folder).split(os.sep, 1)[-1]] = without_trace_ids(body)
    return bodies


def without_trace_ids(value):
    """A body without its objectWriteTraceIds, which are new for every sync."""
    if isinstance(value, dict):
        return {k: without_trace_ids(v) for k, v in value.items() if k != "objectWriteTraceId"}
    if isinstance(value, list):
        return [without_trace_ids(v) for v in value]
    return value


def roundtrip(args, common, engine, work, as_of, model, pipeline=False):
    """The warehouse's output brought back (`briefer import-scores`) into a database with no events: the same hot
    accounts are selected, each with the same briefing input and prompt fingerprint as the local run, and the CRM sync
    writes the same contact payloads. Returns the differences."""
    import json
    import shutil
    # PostgreSQL is read where the tables are (libpq); the others through exported CSV files.
    folder = getattr(engine, "conninfo", None)
    if folder is None:
        folder = os.path.join(work, f"export-{engine.dialect}-{model}-{as_of[:10]}")
        export_csv(engine, folder)
    imported = os.path.join(work, f"imported-{model}-{as_of[:10]}.sqlite")
    local = os.path.join(work, f"local-{model}-{as_of[:10]}.sqlite")
    for path in (imported, local):
        if os.path.exists(path):
            os.remove(path)
    # Selection and sync read the runs of the configured model: a configuration of this model.
    config_path = os.path.join(work, f"briefer-{model}.yaml")
    with open(args.config or os.path.join(ROOT, "config", "briefer.yaml"), encoding="utf-8") as f:
        text = f.read()
    import re
    with open(config_path, "w", encoding="utf-8") as f:
        f.write(re.sub(r"(?m)^model: \w+", f"model: {model}", text) if re.search(r"(?m)^model: ", text) else f"model: {model}\n" + text)
    config = ["--config", config_path]
    origin = folder
    briefer(args.briefer, "import-scores", "--from", folder, "--db", imported, *config)
    source = sqlite3.connect(args.db)
    source.execute("PRAGMA wal_checkpoint")
    target = sqlite3.connect(local)
    source.backup(target)
    source.close()
    # No run before this one, as in the database the warehouse's run is imported into: tier transitions (newly hot) are
    # worked out against the runs before, in both.
    target.execute("PRAGMA foreign_keys = ON")
    target.execute("DELETE FROM scoring_runs")
    target.commit()
    target.close()
    briefer(args.briefer, "score", "--as-of", as_of, "--model", model, "--db", local, *config)
    differences = []
    selected = {}
    for name, db in (("local", local), ("imported", imported)):
        plan = json.loads(briefer(args.briefer, "select", "--db", db, "--json", *config))
        selected[name] = plan
    local_accounts = sorted(a["account"] for a in selected["local"]["accounts"] if a["selected"])
    imported_accounts = sorted(a["account"] for a in selected["imported"]["accounts"] if a["selected"])
    if local_accounts != imported_accounts:
        differences.append(f"selected: local {local_accounts}, imported {imported_accounts}")
    for account in local_accounts:
        rendered = [json.loads(briefer(args.briefer, "prompt", "render", account, "--json", "--db", db, *config))
                    for db in (local, imported)]
        if rendered[0]["input"] != rendered[1]["input"]:
            fields = [k for k in rendered[0]["input"] if rendered[0]["input"].get(k) != rendered[1]["input"].get(k)]
            differences.append(f"prompt input of {account} differs in {fields}")
        if rendered[0]["fingerprint"] != rendered[1]["fingerprint"]:
            differences.append(f"prompt fingerprint of {account} differs")
    out = {}
    for name, db in (("local", local), ("imported", imported)):
        folder = os.path.join(work, f"crm-{name}-{model}-{as_of[:10]}")
        shutil.rmtree(folder, ignore_errors=True)
        briefer(args.briefer, "sync", "--db", db, "--out", folder, *config)
        out[name] = crm_files(folder)
    if out["local"] != out["imported"]:
        names = sorted(n for n in set(out["local"]) | set(out["imported"]) if out["local"].get(n) != out["imported"].get(n))
        differences.append(f"CRM files differ: {names[:5]}")
    if pipeline:
        differences += whole_runs(args, config, origin, local, imported, as_of, work, model)
    return differences, len(local_accounts), sum(len(b.get("inputs", [])) for b in out["local"].values())


def whole_runs(args, config, source, local_db, imported_db, as_of, work, model):
    """`briefer run` over the events and `briefer run --scores-from` the warehouse, each in a database of its own
    with no run before: the same accounts selected and briefed (the same prompt fingerprints), the same contacts
    synced. The model is --model-url (the local model server in make test), else none reachable: then every selected
    account is deferred alike."""
    import json
    import shutil
    env = dict(os.environ, OPENAI_BASE_URL=args.model_url or "http://127.0.0.1:9/v1")
    summaries, briefed = {}, {}
    for name, db in (("local", local_db), ("warehouse", imported_db)):
        fresh = os.path.join(work, f"run-{name}-{model}.sqlite")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(fresh + suffix):
                os.remove(fresh + suffix)
        if name == "local":
            shutil.copyfile(db, fresh)
            con = sqlite3.connect(fresh)
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("DELETE FROM scoring_runs")
            con.commit()
            con.close()
            extra = ["--as-of", as_of]
        else:
            extra = ["--scores-from", source]
        out = os.path.join(work, f"run-crm-{name}-{model}")
        shutil.rmtree(out, ignore_errors=True)
        result = subprocess.run([args.briefer, "run", "--db", fresh, "--out", out, "--json", *extra, *config],
                                capture_output=True, text=True, env=env)
        if result.returncode != 0:
            return [f"briefer run ({name}) failed: {result.stderr.strip()[-300:]}"]
        summaries[name] = json.loads(result.stdout)
        con = sqlite3.connect(fresh)
        briefed[name] = sorted(con.execute("SELECT account, fingerprint, prompt_version FROM briefings").fetchall())
        con.close()
    differences = []
    e = {n: s["enrichment"] for n, s in summaries.items()}
    for key in ("selected", "deferred"):
        if e["local"][key] != e["warehouse"][key]:
            differences.append(f"briefer run: {key} local {e['local'][key]}, warehouse {e['warehouse'][key]}")
    if briefed["local"] != briefed["warehouse"]:
        differences.append(f"briefer run: briefed local {briefed['local'][:3]}…, warehouse {briefed['warehouse'][:3]}…")
    for key in ("contacts", "accounts", "changed_contacts"):
        if summaries["local"]["sync"][key] != summaries["warehouse"]["sync"][key]:
            differences.append(f"briefer run: sync {key} local {summaries['local']['sync'][key]}, "
                               f"warehouse {summaries['warehouse']['sync'][key]}")
    print(f"  briefer run --scores-from: {e['warehouse']['selected']} selected, {len(briefed['warehouse'])} briefed, "
          f"{summaries['warehouse']['sync']['contacts']} contacts synced: "
          + ("as briefer run over the events" if not differences else f"{len(differences)} differences"), flush=True)
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
    ap.add_argument("--roundtrip", action="store_true",
                    help="also bring the first engine's output back with briefer import-scores and compare selection, "
                         "briefing inputs and CRM files with the local run")
    ap.add_argument("--model-url", help="the model endpoint the whole-run comparison briefs with (default: none reachable)")
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
                    if args.roundtrip and (name == args.engines.split(",")[0] or hasattr(engine, "conninfo")):
                        first = (name, model, as_of) == (args.engines.split(",")[0], args.models.split(",")[0], args.as_of[0])
                        trip, hot, contacts = roundtrip(args, common, engine, args.work or work, as_of, model, pipeline=first)
                        how = "from PostgreSQL through libpq" if hasattr(engine, "conninfo") else "from CSV files"
                        print(f"  imported back {how}: {hot} selected accounts, {contacts} contact changes in the CRM files: "
                              + ("the same as the local run" if not trip else f"{len(trip)} differences"), flush=True)
                        for line in trip[:10]:
                            print("    " + line)
                        failed = failed or bool(trip)
        finally:
            engine.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
