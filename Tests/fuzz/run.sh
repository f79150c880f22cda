#!/usr/bin/env bash
# Fuzzing BrieferCore's parsers (issue 15): `build`, `replay` (what `make test` runs: every committed input, then a
# fixed number of seeded runs per target — deterministic) and `explore [seconds] [target]` (`make fuzz`).
# New inputs found while exploring go to .build/fuzz/found/<target>, crashes to .build/fuzz/crashes/; a crash is fixed
# and its input committed to Tests/fuzz/corpus/<target> (and to a test).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=.build/fuzz
binary=$out/briefer-fuzz
targets=(json line csv split inflate zip block)
mkdir -p "$out"

build() {
    local sources newest
    sources=$(find Sources/BrieferCore Sources/CBrieferZlib Sources/CLZ4 Tests/fuzz/Fuzz.swift -type f | sort)
    newest=$(ls -t $sources | head -1)
    if [ -x "$binary" ] && [ "$binary" -nt "$newest" ]; then return; fi
    echo "fuzz: building $binary (BrieferCore with -sanitize=fuzzer,address)"
    # shellcheck disable=SC2046
    swiftc -swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -module-name BrieferFuzz -I Sources/CBrieferZlib -I Sources/CLZ4 -lz -llz4 \
        $(find Sources/BrieferCore -name '*.swift' | sort) Tests/fuzz/Fuzz.swift -o "$binary" 2>&1 | grep -v 'ld.gold: warning' || true
    [ -x "$binary" ] || { echo "fuzz: build failed" >&2; exit 1; }
}

replay() {
    local runs=${FUZZ_RUNS:-200000} failed=0
    for t in "${targets[@]}"; do
        local started=$SECONDS
        # Every committed input once, then $runs mutations from a fixed seed. libFuzzer writes what it finds to its
        # first directory: a scratch one, emptied each time, never the committed corpus.
        rm -rf "$out/scratch-$t" && mkdir -p "$out/scratch-$t"
        if ! BRIEFER_FUZZ_TARGET=$t "$binary" -runs="$runs" -seed=1 -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$out/crash-$t-" "$out/scratch-$t" "Tests/fuzz/corpus/$t" >"$out/replay-$t.log" 2>&1; then
            echo "fuzz: target $t FAILED (see $out/replay-$t.log):" >&2
            grep -E 'ERROR|Fatal|SUMMARY|Test unit written' "$out/replay-$t.log" | head -5 >&2
            failed=1
        else
            echo "fuzz: $t ok — $(ls "Tests/fuzz/corpus/$t" | wc -l) committed inputs + $runs seeded runs in $((SECONDS - started)) s"
        fi
    done
    return $failed
}

explore() {
    local seconds=${1:-300} only=${2:-}
    mkdir -p "$out/crashes"
    for t in "${targets[@]}"; do
        [ -n "$only" ] && [ "$t" != "$only" ] && continue
        mkdir -p "$out/found/$t"
        echo "fuzz: exploring $t for $seconds s"
        BRIEFER_FUZZ_TARGET=$t "$binary" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$out/crashes/$t-" "$out/found/$t" "Tests/fuzz/corpus/$t" 2>&1 | grep -E '^#.*(DONE|pulse)|ERROR|SUMMARY' | tail -3 || true
    done
    ls "$out/crashes" 2>/dev/null | sed 's/^/fuzz: crash input: /'
}

case "${1:-replay}" in
build) build ;;
replay) build && replay ;;
explore) build && explore "${2:-300}" "${3:-}" ;;
*) echo "usage: $0 build|replay|explore [seconds] [target]" >&2; exit 64 ;;
esac
