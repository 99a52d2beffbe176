#!/bin/bash
# Install what is missing, build with warnings as errors, and run every
# test: the unit and integration suites (real qemu-img), the same suites
# under valgrind, and a bounded run of each libFuzzer target (clang, ASan
# and UBSan) from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

FUZZ_SECONDS=${QV_FUZZ_SECONDS:-20}
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT

setup() {  # setup DIR ARGS...: configure, or reconfigure a valid tree
    local dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >"$LOG/setup.log" || { cat "$LOG/setup.log"; return 1; }
    else
        rm -rf "$dir"
        meson setup "$dir" "$@" >"$LOG/setup.log" || { cat "$LOG/setup.log"; return 1; }
    fi
}

setup build -Dwerror=true -Dsanlock=enabled
meson compile -C build

echo "== tests"
meson test -C build --print-errorlogs --num-processes 2 | tee "$LOG/plain"

echo "== tests under valgrind"
meson test -C build --setup=valgrind --print-errorlogs --num-processes 2 | tee "$LOG/valgrind"

echo "== fuzzing (${FUZZ_SECONDS}s per target)"
CC=clang setup build-fuzz -Dfuzzing=true -Db_lundef=false
meson compile -C build-fuzz
fuzz_ok=0
for t in probe backing domain-xml snapshot-xml lock-config cli-device secret-xml; do
    work="$LOG/corpus-$t"
    mkdir -p "$work"
    cp fuzz/corpus/$t/* "$work/"
    build-fuzz/fuzz/fuzz-$t -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$LOG/" -print_final_stats=1 \
        "$work" 2>"$LOG/fuzz-$t.log" || {
        tail -50 "$LOG/fuzz-$t.log"
        echo "fuzz-$t: FAILED"
        exit 1
    }
    grep -E 'stat::number_of_executed_units|Done' "$LOG/fuzz-$t.log" | sed "s/^/fuzz-$t: /"
    fuzz_ok=$((fuzz_ok + 1))
done

count() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$2" | head -1; }
passed=$(( $(count Ok "$LOG/plain") + $(count Ok "$LOG/valgrind") + fuzz_ok ))
failed=$(( $(count Fail "$LOG/plain") + $(count Fail "$LOG/valgrind") ))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
