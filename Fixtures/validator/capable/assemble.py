#!/usr/bin/env python3
"""Assembles the capable-model ground truth (issue 13) from the writers' files.

Each writer (a helper session playing a careful gpt-4o-mini-class model, given only
Fixtures/validator/capable/WRITING.md and the prompts `briefer prompt render` produced) wrote JSON Lines
of answers, good ones and ones with exactly one labelled defect. This script adds to each answer the
prompt input it must be grounded in (from `briefer prompt render --json`), the prompt version, the set
(writers A, B, D and E: tuning; writer C: held-out, never tuned on) and the error code its defect maps to
(RULINGS.md), and writes tuning.jsonl / heldout.jsonl.

    python3 Fixtures/validator/capable/assemble.py --writers DIR --prompts DIR --out Fixtures/validator/capable \
        [--only heldout|tuning]
"""
import argparse
import json
from pathlib import Path

CODES = {
    "invented_name": "ungrounded_term", "wrong_count": "ungrounded_number", "contradiction": "contradicts_input",
    "two_sentences": "multiple_sentences", "duplicate_point": "duplicate_fields", "generic_phrase": "generic_phrase",
    "contact_data": "personal_data", "self_talk": "instruction_echo", "planted_echo": "instruction_echo",
}
SETS = {"A": "tuning", "B": "tuning", "C": "heldout", "D": "tuning", "E": "tuning", "F": "tuning", "G": "tuning", "H": "heldout", "I": "heldout", "J": "tuning", "K": "tuning", "L": "heldout", "M": "heldout", "N": "tuning", "O": "tuning", "P": "tuning", "Q": "tuning", "R": "tuning", "S": "tuning", "T": "heldout", "U": "heldout", "V": "heldout", "W": "heldout"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", type=Path, required=True, help="directory with A.jsonl, B.jsonl, C.jsonl")
    ap.add_argument("--prompts", type=Path, required=True, help="directory with <workspace>/<domain>.json (briefer prompt render --json)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", choices=["tuning", "heldout"])
    args = ap.parse_args()
    out = {"tuning": [], "heldout": []}
    for writer, name in SETS.items():
        path = args.writers / f"{writer}.jsonl"
        if not path.exists() or (args.only and args.only != name):
            continue
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            a = json.loads(line)
            rendered = json.loads((args.prompts / a["workspace"] / f"{a['account']}.json").read_text())
            assert a["kind"] in ("good", "flawed"), a["id"]
            assert (a["kind"] == "good") == (a["defect"] is None), a["id"]
            json.loads(a["content"])  # every answer is a JSON object as written
            out[name].append({
                "id": a["id"], "set": name, "account": a["account"], "workspace": a["workspace"],
                "prompt_version": rendered["prompt_version"], "kind": a["kind"], "defect": a["defect"],
                "code": CODES[a["defect"]] if a["defect"] else None, "defect_field": a.get("defect_field"),
                "defect_text": a.get("defect_text"), "traits": a.get("traits") or [], "note": a.get("note"),
                "content": a["content"], "input": rendered["input"],
            })
    for name, rows in out.items():
        if rows:
            (args.out / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))
            print(f"{name}: {len(rows)} answers ({sum(r['kind'] == 'good' for r in rows)} good)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
