#!/usr/bin/env bash
# `make install-check`: `make install` into a temporary PREFIX, then the installed binary alone in an empty
# directory (no configuration file, no Prompts/) runs ingest → score → enrich → sync on the fixtures.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
make -C "$root" --no-print-directory install PREFIX="$prefix" >/dev/null
fail() { echo "install-check: $*" >&2; exit 1; }
for f in bin/briefer share/man/man1/briefer.1 share/man/man1/briefer.enrich.1 share/bash-completion/completions/briefer \
         share/zsh/site-functions/_briefer share/fish/vendor_completions.d/briefer.fish; do
    [ -s "$prefix/$f" ] || fail "$f is missing or empty"
done
echo "files: $(cd "$prefix" && find . -type f | wc -l) installed ($(du -sh "$prefix/bin/briefer" | cut -f1) binary, $(ls "$prefix/share/man/man1" | wc -l) man pages)"
swift_libs=$(ldd "$prefix/bin/briefer" | grep -Ei 'swift|Foundation|dispatch|XCTest' || true)
[ -z "$swift_libs" ] || fail "the binary links Swift libraries: $swift_libs"
echo "ldd: $(ldd "$prefix/bin/briefer" | awk '{print $1}' | tr '\n' ' ')"
man -l "$prefix/share/man/man1/briefer.1" >/dev/null 2>&1 || [ "$(head -c 2 "$prefix/share/man/man1/briefer.1")" = ".\\" ] \
    || fail "briefer.1 is not a man page"

fixtures=$root/Fixtures/workspace
as_of=$(python3 -c "import json;print(json.load(open('$fixtures/manifest.json'))['as_of'])")
cp "$fixtures"/{companies.csv,users.csv,subscriptions.csv,events.jsonl} "$work/"
cd "$work"
mkdir home
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
unset BRIEFER_CONFIG BRIEFER_DB
briefer=$prefix/bin/briefer
"$briefer" --version
"$briefer" config print 2>&1 >/dev/null | grep -q "built-in defaults apply" || fail "a configuration file was found"
"$briefer" ingest companies.csv users.csv subscriptions.csv events.jsonl >/dev/null 2>&1 || [ $? -eq 0 ]
"$briefer" score --as-of "$as_of" | tail -1
"$briefer" enrich | tail -1
"$briefer" sync --out crm | tail -1
[ -n "$(ls crm)" ] || fail "sync wrote no files"
echo "install-check: ok"
