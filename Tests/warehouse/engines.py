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


def recreate(con, table, columns, types):
    """Drops and creates an input table with the engine's column types (`types`: kind -> type)."""
    name = "briefer_" + table
    con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {types[k]}' for c, k in columns)})")
    return name


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
            name = recreate(self.con, table, columns, types)
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


class Postgres:
    """A PostgreSQL server of its own: a temporary cluster started as the postgres user (PostgreSQL refuses to run as
    root) on a Unix socket in a temporary folder, stopped and removed by close()."""
    dialect = "postgres"
    label = "postgres"

    def __init__(self):
        import glob
        import psycopg
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = os.path.dirname(binaries[-1])
        self.dir = tempfile.mkdtemp(prefix="briefer-pg-")
        as_postgres = os.geteuid() == 0
        if as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
        data = os.path.join(self.dir, "data")
        self._pg("initdb", "-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-A", "trust")
        self._pg("pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                 f"-k {self.dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off", "start")
        self.data = data
        self.con = psycopg.connect(host=self.dir, user="postgres", dbname="postgres", autocommit=True)
        # How briefer import-scores reaches the output tables here, through libpq.
        self.conninfo = f"host={self.dir} user=postgres dbname=postgres"
        self.con.execute("SET TIME ZONE 'UTC'")

    def _pg(self, tool, *args):
        result = subprocess.run(self.prefix + [os.path.join(self.bin, tool), *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{tool} failed: {result.stdout}{result.stderr}")

    def load(self, folder):
        types = {"text": "TEXT", "ts": "TIMESTAMPTZ", "json": "JSON", "int": "BIGINT"}
        for table, columns in TABLES.items():
            name = recreate(self.con, table, columns, types)
            with self.con.cursor().copy(f"COPY {name} ({', '.join(c for c, _ in columns)}) FROM STDIN") as copy:
                for row in read_rows(folder, table):
                    copy.write_row([row.get(c) for c, _ in columns])
            self.con.execute(f"ANALYZE {name}")

    def run(self, script):
        for statement in statements(script):
            self.con.execute(statement)

    def fetch(self, table):
        cursor = self.con.execute(f"SELECT * FROM {table}")
        names = [d.name for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def close(self):
        self.con.close()
        self._pg("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class Spark:
    """Spark SQL in local mode: one JVM for every run of the process (the session is shared), the driver on
    127.0.0.1, no UI, few shuffle partitions, UTC sessions. Inputs are temporary views (JSON kept as text, as Spark has
    no JSON type); the script's tables are parquet in a temporary warehouse folder."""
    dialect = "spark"
    label = "spark"
    session = None

    def __init__(self, work):
        if Spark.session is None:
            from pyspark.sql import SparkSession
            warehouse = os.path.join(work, "spark-warehouse")
            shutil.rmtree(warehouse, ignore_errors=True)  # tables a stopped run left would refuse to be made again
            Spark.session = (
                SparkSession.builder.master("local[2]").appName("briefer-warehouse-equality")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC").config("spark.sql.warehouse.dir", warehouse)
                .config("spark.driver.memory", "2g").config("spark.sql.adaptive.enabled", "true")
                .getOrCreate())
            Spark.session.sparkContext.setLogLevel("ERROR")
        self.spark = Spark.session

    def load(self, folder):
        from pyspark.sql import functions as F
        from pyspark.sql.types import LongType, StringType, StructField, StructType
        for table, columns in TABLES.items():
            schema = StructType([StructField(c, LongType() if k == "int" else StringType()) for c, k in columns])
            frame = self.spark.read.schema(schema).json(os.path.join(folder, table + ".jsonl"))
            for c, k in columns:
                if k == "ts":
                    frame = frame.withColumn(c, F.to_timestamp(F.col(c)))
            frame.createOrReplaceTempView("briefer_" + table)

    def run(self, script):
        for statement in statements(script):
            self.spark.sql(statement)

    def fetch(self, table):
        return [row.asDict() for row in self.spark.sql(f"SELECT * FROM {table}").collect()]

    def close(self):
        pass


class Transpiled(DuckDB):
    """A dialect with no engine here (BigQuery, Snowflake): its script transpiled to DuckDB by sqlglot, run in DuckDB."""

    def __init__(self, dialect):
        super().__init__()
        self.dialect = dialect
        self.label = f"{dialect} (sqlglot -> duckdb)"

    def run(self, script):
        import sqlglot
        for statement in statements(script):
            for translated in sqlglot.transpile(statement, read=self.dialect, write="duckdb"):
                self.con.execute(translated)


def make(name, work):
    if name in ("bigquery", "snowflake"):
        return Transpiled(name)
    if name == "spark":
        return Spark(work)
    if name == "duckdb":
        return DuckDB()
    if name == "postgres":
        return Postgres()
    raise SystemExit(f"unknown engine {name}")
