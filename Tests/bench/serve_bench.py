#!/usr/bin/env python3
"""Issue 16's acknowledgement target for `briefer serve` (`make bench`): while pipeline cycles run over the
bench's million-event database, serve acknowledges 2,000 events/s with p99 acknowledgement latency <= 250 ms.

usage: serve_bench.py --briefer PATH --data DIR [--seconds 60]

1. Ingests the bench workspace (DIR: companies.csv, users.csv, events.jsonl) into a fresh database.
2. Starts an OpenAI-compatible stub that answers every request after 0.3 s (a hosted model takes longer; this
   keeps the first cycle's briefing short, so that most cycles are rescoring) and `briefer serve` with a cycle
   every 10 s (score -> select -> enrich -> sync to files, as of the
   workspace's as_of time): each cycle rescores the million events, the first also briefs 50 accounts.
3. A paced load: 8 clients, each sending 5 batches of 100 new events a second (4,000 events/s, twice
   the target), every latency counted from when its request was due, so a stall counts against it in
   full; then 30 s as fast as the clients go.
4. Counts only the requests that started while a cycle ran (pipeline_runs' start and end), checks that
   every acknowledged event is stored once, prints the figures, and exits 1 when the target is missed.
The clients and the stub are small Python threads, so that the service's figures are not the load
generator's own (a debug-built client in the same process as a stub measured its own CPU contention).
"""

import argparse
import base64
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eventlog  # noqa: E402
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "wk_bench"
ANSWER = {"use_case_hypothesis": "They use the product every day for their reporting work.",
          "expansion_signal": "Usage keeps growing across the team this month.",
          "recommended_opening": "Ask which reports matter most to their managers.",
          "risk_factor": "Budget approval may take a full quarter."}


def model_stub(latency):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(latency)
            body = json.dumps({"choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": json.dumps(ANSWER)}}],
                               "usage": {"prompt_tokens": 500, "completion_tokens": 80}}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the service stopped while waiting

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def load(port, clients, seconds, prefix, timestamp, batches_per_second=None, per_batch=100):
    """Each client sends batches of new events; a batch not answered 200 is sent again until it is.
    Returns [(due_s, acknowledged_s, events)] and the number of events acknowledged."""
    auth = "Basic " + base64.b64encode((KEY + ":").encode()).decode()
    records, lock = [], threading.Lock()

    def client(c):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        begin = time.time()
        batch = 0
        while time.time() - begin < seconds:
            calls = [{"type": "track", "messageId": f"{prefix}{c}-{batch}-{i}", "userId": f"load-{c}-{i % 50}",
                      "event": ("report_viewed", "core_feature_used", "dashboard_opened")[i % 3],
                      "properties": {"seq": f"{prefix}{c}-{batch}-{i}"}, "timestamp": timestamp}
                     for i in range(per_batch)]
            body = json.dumps({"batch": calls})
            due = time.time()
            if batches_per_second:
                due = begin + batch / batches_per_second
                if due > time.time():
                    time.sleep(due - time.time())
            while True:
                try:
                    conn.request("POST", "/v1/batch", body, {"Authorization": auth, "Content-Type": "application/json"})
                    response = conn.getresponse()
                    response.read()
                    if response.status == 200:
                        break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                time.sleep(0.05)
            with lock:
                records.append((due, time.time(), per_batch))
            batch += 1

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return records, started, time.time()


def figures(records, seconds):
    latencies = sorted(end - due for due, end, _ in records)
    events = sum(n for _, _, n in records)
    if not latencies:
        return {"events": 0, "requests": 0, "events_per_s": 0, "p50_ms": 0, "p99_ms": 0, "max_ms": 0}
    pick = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000
    return {"events": events, "requests": len(records), "events_per_s": round(events / seconds) if seconds else 0,
            "p50_ms": round(pick(0.5)), "p99_ms": round(pick(0.99)), "max_ms": round(latencies[-1] * 1000)}


def show(f):
    return (f"{f['events']} events in {f['requests']} requests, {f['events_per_s']} events/s, acknowledgement "
            f"p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, max {f['max_ms']} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--briefer", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    briefer = os.path.abspath(args.briefer)
    as_of = json.load(open(os.path.join(args.data, "manifest.json")))["as_of"]
    with tempfile.TemporaryDirectory(prefix="briefer-serve-bench-") as tmp:
        db = os.path.join(tmp, "serve.sqlite")
        start = time.perf_counter()
        subprocess.run([briefer, "ingest", "--db", db] + [os.path.join(args.data, f) for f in
                                                          ("companies.csv", "users.csv", "events.jsonl")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"serve bench: ingested the bench workspace in {time.perf_counter() - start:.1f} s", flush=True)
        config = os.path.join(tmp, "bench.yaml")
        with open(config, "w") as f:
            f.write("serve:\n  cycle_interval_seconds: 10\n  trigger_delay_seconds: 0\n")
        stub = model_stub(0.3)
        env = dict(os.environ, BRIEFER_WRITE_KEYS="bench=" + KEY, OPENAI_API_KEY="sk-bench")
        serve = subprocess.Popen(
            [briefer, "serve", "--db", db, "--config", config, "--as-of", as_of, "--out", os.path.join(tmp, "crm"),
             "--base-url", f"http://127.0.0.1:{stub.server_address[1]}/v1", "--listen", "127.0.0.1:0"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = serve.stderr.readline()
        if "listening on 127.0.0.1:" not in line:
            raise SystemExit("briefer serve did not start: " + line)
        port = int(line.split("listening on 127.0.0.1:")[1].split()[0])
        threading.Thread(target=lambda: [None for _ in serve.stderr], daemon=True).start()  # drain its log
        paced = load(port, 8, args.seconds, "p", as_of, batches_per_second=5)
        saturated = load(port, 8, args.seconds / 2, "s", as_of)
        serve.terminate()
        serve.wait(timeout=120)
        stub.shutdown()
        con = sqlite3.connect(db)
        cycles = con.execute("SELECT started_ms / 1000.0, finished_ms / 1000.0 FROM pipeline_runs "
                             "WHERE finished_ms IS NOT NULL ORDER BY id").fetchall()
        seqs = [json.loads(e["properties"]).get("seq") for e in eventlog.all_events(con) if e["properties"]]
        seqs = [s for s in seqs if s is not None]
        stored, distinct = len(seqs), len(set(map(json.dumps, seqs)))
        con.close()
        print(f"serve bench: {len(cycles)} cycle(s): " + ", ".join(f"{b - a:.1f} s" for a, b in cycles))
        results = {}
        for name, (records, began, ended) in (("paced", paced), ("saturated", saturated)):
            during = [r for r in records if any(a <= r[0] <= b for a, b in cycles)]
            overlap = sum(max(0.0, min(b, ended) - max(a, began)) for a, b in cycles)
            results[name] = figures(during, overlap)
            print(f"serve bench: {name}, all requests:      {show(figures(records, ended - began))}")
            print(f"serve bench: {name}, while a cycle ran: {show(results[name])} over {overlap:.1f} s of cycles")
        acknowledged = sum(n for _, _, n in paced[0]) + sum(n for _, _, n in saturated[0])
        target = results["paced"]
        met = target["events_per_s"] >= 2000 and target["p99_ms"] <= 250
        once = stored == distinct == acknowledged
        print(f"serve bench: every acknowledged event stored once: {acknowledged} acknowledged, {stored} stored, "
              f"{distinct} distinct -> {'yes' if once else 'NO'}")
        print(f"serve bench: while a cycle runs, >= 2,000 events/s acknowledged with p99 <= 250 ms: "
              f"{target['events_per_s']} events/s, p99 {target['p99_ms']} ms -> {'met' if met else 'MISSED'}")
        sys.exit(0 if met and once and serve.returncode == 0 else 1)


if __name__ == "__main__":
    main()
