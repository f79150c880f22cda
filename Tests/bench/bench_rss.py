"""Run a command and take its wall time and its own peak resident set size (bench.py, issue 19).

The child is started with subprocess.Popen and reaped with os.wait4, which returns that child's
rusage: ru_maxrss is its maximum resident set size (KiB on Linux, bytes on macOS), not the
maximum over every child this process ever had (as getrusage(RUSAGE_CHILDREN) would give).
Output goes to temporary files, so no pipe can fill up while we wait.
"""

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from typing import NamedTuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eventlog  # noqa: E402


class Measured(NamedTuple):
    seconds: float
    stdout: str
    stderr: str
    returncode: int
    maxrss_kib: int


def run_measured(cmd, cwd=None, env=None) -> Measured:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here: Popen must not wait again
        maxrss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
        out.seek(0)
        err.seek(0)
        return Measured(seconds, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                        proc.returncode, maxrss)


def mb(kib: int) -> float:
    """KiB -> MB of 10^6 bytes (the goals' unit; the strictest reading of "150 MB")."""
    return kib * 1024 / 1e6


def db_events(path: str):
    """Events stored in a Briefer database (read-only, so no checkpoint changes the file), or None."""
    if not os.path.exists(path):
        return 0
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return eventlog.event_count(con)
        finally:
            con.close()
    except sqlite3.Error:
        return None
