#!/usr/bin/env bash
# Makes Fixtures/store/schema-v<N>.sqlite with the current debug binary (see README.md here).
set -euo pipefail
n=${1:?usage: make.sh SCHEMA_VERSION}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fixtures=$root/Fixtures/workspace
briefer=$root/.build/debug/briefer
as_of=$(python3 -c "import json;print(json.load(open('$fixtures/manifest.json'))['as_of'])")
# The events of six accounts, and the lines that are not events (they are quarantined).
python3 - "$fixtures" "$work/events.jsonl" <<'PY'
import csv, json, sys
fixtures, out = sys.argv[1], open(sys.argv[2], "w")
keep = {"wayne-enterprises.com", "brightwave.ai", "ledgerly.com", "rekall.io", "tallyboard.io", "initech.com"}
users = {r["user_id"]: r["company_domain"] for r in csv.DictReader(open(f"{fixtures}/users.csv"))}
for line in open(f"{fixtures}/events.jsonl"):
    try:
        e = json.loads(line)
    except ValueError:
        out.write(line)
        continue
    uid = e.get("userId") or e.get("user_id")
    context = e.get("context") or {}
    if uid is None or (users.get(uid) or context.get("groupId") or context.get("company_domain")) in keep:
        out.write(line)
PY
cd "$work"
"$briefer" ingest --db schema.sqlite "$fixtures/companies.csv" "$fixtures/users.csv" "$fixtures/subscriptions.csv" events.jsonl || true
"$briefer" score --db schema.sqlite --as-of "$as_of"
"$briefer" enrich --db schema.sqlite
"$briefer" sync --db schema.sqlite --out crm
sqlite3 schema.sqlite "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA journal_mode=DELETE;" >/dev/null
cp schema.sqlite "$root/Fixtures/store/schema-v$n.sqlite"
echo "Fixtures/store/schema-v$n.sqlite: $(sqlite3 schema.sqlite 'select count(*) from events') events, $(sqlite3 schema.sqlite 'select count(*) from briefings') briefings"
