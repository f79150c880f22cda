#!/usr/bin/env bash
# The warehouse equality tests (issue 18, SPEC §10): `briefer sql` run in DuckDB, PostgreSQL and Spark SQL (local mode),
# and its BigQuery and Snowflake scripts transpiled to DuckDB by sqlglot, must give what `briefer score` gives, per user,
# per account and per contact, for both models at two as-of times; and the first engine's output, brought back with
# `briefer import-scores` into a database with no events, must select the same accounts with the same briefing inputs and
# write the same CRM files as the local run; and `briefer run --scores-from` must select, brief (with the model at
# BRIEFER_E2E_MODEL_URL, on the fixtures) and sync the same accounts as `briefer run` over the events.
#
# usage: Tests/warehouse/run.sh BRIEFER [WORKSPACE...]
#        (WORKSPACE: fixtures | warehouse-20k | variants | bench-100k | bench-1m; variants: the fixtures under each
#        configuration of Tests/warehouse/variants/)
# Installs what it needs: PostgreSQL (apt; started as the postgres user on a temporary cluster, stopped after), and
# duckdb, pyspark, sqlglot and psycopg into .build/warehouse-venv (Java 17 must be on the machine for Spark).
set -euo pipefail
cd "$(dirname "$0")/../.."
BRIEFER=$(realpath "$1"); shift
WORKSPACES=("${@:-fixtures warehouse-20k}")
VENV=.build/warehouse-venv
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing: postgresql"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
command -v java >/dev/null || { echo "java is not on PATH: Spark needs Java 17 (apt-get install openjdk-17-jre-headless)"; exit 1; }
python3 -c 'import venv, ensurepip' 2>/dev/null || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null; }
[ -x $VENV/bin/python ] || python3 -m venv $VENV
$VENV/bin/python -c 'import duckdb, pyspark, sqlglot, psycopg' 2>/dev/null \
    || $VENV/bin/python -m pip install -q duckdb pyspark sqlglot "psycopg[binary]"

export SPARK_LOCAL_IP=127.0.0.1
WORK=$(mktemp -d /tmp/briefer-warehouse-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
status=0
for workspace in ${WORKSPACES[@]}; do
    if [ "$workspace" = variants ]; then
        # The fixtures under configurations the defaults never exercise, in the engines that are quick to start.
        for config in Tests/warehouse/variants/*.yaml; do
            name=$(basename "$config" .yaml)
            db=$WORK/variant-$name.sqlite
            "$BRIEFER" ingest --db "$db" --config "$config" Fixtures/workspace/*.csv Fixtures/workspace/events.jsonl >/dev/null
            echo "warehouse equality: the fixtures under Tests/warehouse/variants/$name.yaml"
            $VENV/bin/python Tests/warehouse/equality.py --briefer "$BRIEFER" --db "$db" --config "$config" \
                --as-of 2026-11-20T12:00:00Z --models weighted,points --engines duckdb,postgres,bigquery,snowflake \
                --work "$WORK/variant-$name" || status=1
        done
        continue
    fi
    case $workspace in
        fixtures) data=Fixtures/workspace ;;
        warehouse-20k) data=$WORK/$workspace; python3 Fixtures/generator/generate.py warehouse --events 20000 --out "$data" >/dev/null ;;
        bench-100k) data=$WORK/$workspace; python3 Fixtures/generator/generate.py bench --events 100000 --out "$data" >/dev/null ;;
        bench-1m) data=$WORK/$workspace; python3 Fixtures/generator/generate.py bench --events 1000000 --out "$data" >/dev/null ;;
        *) echo "unknown workspace $workspace"; exit 2 ;;
    esac
    # The second time: the workspace's own (earlier_as_of, later_as_of), else ten days before its as-of time.
    read -r as_of second < <(python3 -c "
import datetime, json
m = json.load(open('$data/manifest.json'))
t = datetime.datetime.fromisoformat(m['as_of'].replace('Z', '+00:00'))
earlier = (t - datetime.timedelta(days=10)).strftime('%Y-%m-%dT%H:%M:%SZ')
print(m['as_of'], m.get('earlier_as_of') or m.get('later_as_of') or earlier)")
    db=$WORK/$workspace.sqlite
    started=$(date +%s.%N)
    "$BRIEFER" ingest --db "$db" --config config/briefer.yaml "$data"/users.csv "$data"/companies.csv "$data"/*.jsonl >/dev/null
    ingested=$(python3 -c "print(f'{$(date +%s.%N) - $started:.2f}')")
    events=$(cat "$data"/*.jsonl | wc -l)
    echo "warehouse equality: $workspace, $events event lines (briefer ingest ${ingested} s), as of $as_of and $second"
    $VENV/bin/python Tests/warehouse/equality.py --briefer "$BRIEFER" --db "$db" --config config/briefer.yaml \
        --as-of "$as_of" --as-of "$second" --models weighted,points \
        --engines duckdb,postgres,spark,bigquery,snowflake --roundtrip --work "$WORK/$workspace-work" \
        ${BRIEFER_E2E_MODEL_URL:+$([ "$workspace" = fixtures ] && echo --model-url "$BRIEFER_E2E_MODEL_URL")} || status=1
done
exit $status
