#!/usr/bin/env python3
"""SPEC §9 enrichment overhead: with a server of fixed latency L and concurrency C, `briefer enrich`
should reach at least 90 % of C/L requests per second.

Starts a threaded OpenAI-compatible stub on a loopback port that answers every chat completion after
exactly L seconds (a fixed four-key answer), runs `briefer enrich` with concurrency C over a database
already ingested and scored (every hot account selected; --db is copied first, so it is not changed),
and prints requests, wall time, throughput and its ratio to C/L.

  python3 Tests/bench/enrich_overhead.py --db .build/demo-fresh.sqlite --latency 1 --concurrency 4
"""
import argparse, json, os, shutil, subprocess, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSWER = {"use_case_hypothesis": "They use the product every day for their reporting work.",
          "expansion_signal": "Usage keeps growing across the team this month.",
          "recommended_opening": "Ask which reports matter most to their managers.",
          "risk_factor": "Budget approval may take a full quarter."}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--latency", type=float, default=1.0)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--briefer", default=os.path.join(ROOT, ".build/release/briefer"))
    a = p.parse_args()
    count = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *args): pass
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(a.latency)
            with lock: count[0] += 1
            body = json.dumps({"choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": json.dumps(ANSWER)}}],
                               "usage": {"prompt_tokens": 500, "completion_tokens": 80}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.sqlite")
        for suffix in ("", "-wal"):  # the store leaves its WAL in place on close
            if os.path.exists(a.db + suffix):
                shutil.copy(a.db + suffix, db + suffix)
        config = os.path.join(tmp, "bench.yaml")
        with open(config, "w") as f:
            f.write(f"enrichment:\n  concurrency: {a.concurrency}\n  max_attempts: 3\nselection:\n  max_per_day: 100000\n")
        start = time.monotonic()
        subprocess.run([a.briefer, "enrich", "--db", db, "--config", config, "--json",
                        "--base-url", f"http://127.0.0.1:{server.server_address[1]}/v1"], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        wall = time.monotonic() - start
    server.shutdown()
    ideal = a.concurrency / a.latency
    rate = count[0] / wall
    print(f"requests {count[0]}, wall {wall:.2f} s, throughput {rate:.2f}/s, C/L {ideal:.2f}/s, ratio {rate / ideal:.2f}")


if __name__ == "__main__":
    main()
