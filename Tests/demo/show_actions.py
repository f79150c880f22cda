"""Prints the first task, Slack message and webhook event `briefer sync --out DIR` wrote (make demo)."""
import glob
import json
import sys

folders = sorted(glob.glob(sys.argv[1] + "/actions-*"))
if not folders:
    sys.exit("no actions folder under " + sys.argv[1] + " (actions.enabled?)")
folder = folders[-1]
manifest = json.load(open(folder + "/manifest.json"))
print(f"\n{folder}: {manifest['count']} actions in {len(manifest['requests'])} request file(s)")
shown = set()
for request in manifest["requests"]:
    kind = request["file"].split("-", 1)[1].rsplit(".", 1)[0]
    if kind in shown:
        continue
    shown.add(kind)
    body = json.load(open(folder + "/" + request["file"]))
    target = request.get("path") or request.get("url")
    print(f"\n--- {request['file']}: POST {target}" + (f" ({request['inputs']} tasks; the first:)" if "inputs" in request else ""))
    if "headers" in request:
        for name, value in request["headers"].items():
            print(f"{name}: {value}")
    print(json.dumps(body["inputs"][0] if "inputs" in body else body, indent=2, ensure_ascii=False))
if "resolve_first" in manifest:
    print(f"\nresolve first: {manifest['resolve_first']['what']} (POST {manifest['resolve_first']['path']})")
