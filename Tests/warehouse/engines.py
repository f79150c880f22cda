"""The SQL engines the warehouse equality tests run `briefer sql` in: load the input tables `briefer sql inputs` writes,
run a generated script, read the output tables back.

Each engine is a class with load(folder), run(script) and fetch(table) -> list of dict rows. The column types are
the documented input contract (README "When you outgrow one machine"): text ids, TIMESTAMP times (UTC), JSON
properties and traits, BIGINT counts.
"""

import json
import os
import shutil
import subprocess
import tempfile

# table -> [(column, kind)], kind: text | ts | json | int
TABLES = {
    "events": [("message_id", "text"), ("user_id", "text"), ("anonymous_id", "text"), ("event_name", "text"),
               ("ts", "ts"), ("group_id", "text"), ("properties", "json")],
    "identities": [("anonymous_id", "text"), ("user_id", "text"), ("ts", "ts"), ("via", "text")],
    "groups": [("user_id", "text"), ("group_id", "text"), ("ts", "ts"), ("domain", "text"), ("traits", "json")],
    "traits": [("user_id", "text"), ("ts", "ts"), ("email", "text"), ("title", "text"), ("created_at", "ts"),
               ("company", "text")],
    "users": [("user_id", "text"), ("email", "text"), ("company_domain", "text"), ("title", "text"),
              ("created_at", "ts")],
    "companies": [("domain", "text"), ("name", "text"), ("employee_count", "int"), ("industry", "text"),
                  ("estimated_revenue", "int"), ("country", "text"), ("tech_stack", "text")],
    "subscriptions": [("user_id", "text"), ("plan", "text"), ("subscription_start", "ts")],
}


def read_rows(folder, table):
    path = os.path.join(folder, table + ".jsonl")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def statements(script):
    """The script's statements (it is a sequence of `;`-terminated statements; no `;` inside its literals but the
    reason separators, written as CHR(59))."""
    out, current = [], []
    for line in script.splitlines():
        if line.startswith("--") and not current:
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if "".join(current).strip():
        out.append("\n".join(current))
    return out


class DuckDB:
    dialect = "duckdb"
    label = "duckdb"

    def __init__(self, path=":memory:"):
        import duckdb
        self.con = duckdb.connect(path)
        self.con.execute("SET TimeZone = 'UTC'")

    def load(self, folder):
        types = {"text": "VARCHAR", "ts": "TIMESTAMP", "json": "JSON", "int": "BIGINT"}
        for table, columns in TABLES.items():
            name = "briefer_" + table
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
            self.con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {types[k]}' for c, k in columns)})")
            path = os.path.join(folder, table + ".jsonl")
            if os.path.getsize(path) == 0:
                continue
            spec = ", ".join(f"'{c}': '{'BIGINT' if k == 'int' else 'VARCHAR'}'" for c, k in columns)
            select = ", ".join(
                f"CAST({c} AS TIMESTAMPTZ)" if k == "ts" else f"CAST({c} AS JSON)" if k == "json" else c
                for c, k in columns)
            self.con.execute(
                f"INSERT INTO {name} SELECT {select} FROM read_json('{path}', format='newline_delimited', "
                f"columns={{{spec}}})")

    def run(self, script):
        for statement in statements(script):
            self.con.execute(statement)

    def fetch(self, table):
        cursor = self.con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def close(self):
        self.con.close()


def make(name, work):
    if name == "duckdb":
        return DuckDB()
    raise SystemExit(f"unknown engine {name}")
