#!/usr/bin/env python3
"""Collects real answers from the local model for the validator's ground truth (Fixtures/validator/).

For every hot account of the latest scoring run in --db, renders the briefing prompt exactly as
`briefer enrich` would (`briefer prompt render --json`), asks the model --per-account times with
different seeds, and writes one JSON line per answer: the account, the seed, the prompt input the
validator checks grounding against, and the raw content and finish_reason. Labels are added by hand
afterwards (see Fixtures/validator/README.md).

  python3 Tests/llm/collect_answers.py --db /tmp/e2e.sqlite --out Fixtures/validator/answers.jsonl
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def briefer(binary, *args):
    return json.loads(subprocess.run([binary, *args], check=True, capture_output=True, text=True, cwd=ROOT).stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--per-account", type=int, default=10)
    p.add_argument("--base-url", default=os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8088/v1"))
    p.add_argument("--briefer", default=os.path.join(ROOT, ".build/debug/briefer"))
    p.add_argument("--concurrency", type=int, default=2)
    a = p.parse_args()

    plan = briefer(a.briefer, "select", "--db", a.db, "--json")
    accounts = [x["account"] for x in plan["accounts"]]
    jobs = []
    for account in accounts:
        rendered = briefer(a.briefer, "prompt", "render", account, "--db", a.db, "--json")
        for seed in range(1, a.per_account + 1):
            jobs.append((account, seed, rendered))

    def ask(job):
        account, seed, rendered = job
        body = json.loads(rendered["body"])
        body["seed"] = seed
        request = urllib.request.Request(a.base_url.rstrip("/") + "/chat/completions", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        answer = json.load(urllib.request.urlopen(request, timeout=600))
        choice = answer["choices"][0]
        return {"id": f"{account}#{seed}", "account": account, "seed": seed, "prompt_version": rendered["prompt_version"],
                "input": rendered["input"], "content": choice["message"].get("content"),
                "finish_reason": choice.get("finish_reason"), "refusal": choice["message"].get("refusal"),
                "usage": {k: answer.get("usage", {}).get(k) for k in ("prompt_tokens", "completion_tokens")}}

    results = []
    with concurrent.futures.ThreadPoolExecutor(a.concurrency) as pool:
        for i, result in enumerate(pool.map(ask, jobs), 1):
            results.append(result)
            print(f"\r{i}/{len(jobs)} answers", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        for r in sorted(results, key=lambda r: (r["account"], r["seed"])):
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(results)} answers to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
