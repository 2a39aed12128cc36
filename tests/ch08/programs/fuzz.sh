# Chapter 8's fuzz targets in make test: the committed seed corpus of each target replayed through a
# plain driver (tests/ch08/fuzz/replay.c), built like the snapshot under test (the sanitizer builds
# replay it under ASan and UBSan); then, where clang's libFuzzer is present, each target fuzzed for a
# few seconds (FUZZ_SECONDS, default 3). `make fuzz TIME=N` runs them for longer.
. "$ROOT/tests/support/lib.sh"

SOURCES=(line_receiver.c netstring.c transforms.c transform_protocol.c memory_transport.c result.c)
FUZZ=$ROOT/tests/ch08/fuzz
cc=${CC:-cc}
case "$BIN" in *clang*) cc=clang ;; esac
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -I"$SNAPSHOT" -I"$FUZZ")
case "$BIN" in *-san) flags+=(-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all) ;;
*) flags+=(-O2) ;; esac

for source in "$FUZZ"/fuzz_*.c; do
    target=$(basename "$source" .c)
    if ! $cc "${flags[@]}" -o "$WORK/replay-$target" "$source" "$FUZZ/replay.c" "${SOURCES[@]/#/$SNAPSHOT/}" -lm \
        >"$WORK/build.log" 2>&1; then
        not_ok "$target: the replay driver builds" "$(head -n 15 "$WORK/build.log")"
        continue
    fi
    count=$(ls "$FUZZ/corpus/$target" | wc -l)
    if [ "$count" -ge 5 ] && run_with_timeout 60 "$WORK/replay-$target" "$FUZZ/corpus/$target" >"$WORK/replay.out" 2>&1 &&
        grep -q "^replayed $count inputs" "$WORK/replay.out"; then
        ok "$target: its seed corpus ($count inputs) replays with every oracle check holding"
    else
        not_ok "$target: its seed corpus replays with every oracle check holding" "$(tail -n 15 "$WORK/replay.out")"
    fi
done

seconds=${FUZZ_SECONDS:-3}
if ! command -v clang >/dev/null 2>&1; then
    skip "the fuzz targets run for ${seconds} s each" "needs clang, which is not installed"
elif ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' >"$WORK/probe.c" ||
    ! clang -fsanitize=fuzzer -o "$WORK/probe" "$WORK/probe.c" >/dev/null 2>&1; then
    skip "the fuzz targets run for ${seconds} s each" "needs libclang-rt-14-dev (clang's libFuzzer), which is not installed"
else
    for source in "$FUZZ"/fuzz_*.c; do
        target=$(basename "$source" .c)
        if ! clang -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O1 -g -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=all -I"$SNAPSHOT" -I"$FUZZ" -o "$WORK/$target" "$source" "${SOURCES[@]/#/$SNAPSHOT/}" -lm \
            >"$WORK/build.log" 2>&1; then
            not_ok "$target: builds with libFuzzer" "$(head -n 15 "$WORK/build.log")"
            continue
        fi
        mkdir -p "$WORK/corpus-$target"
        if (cd "$WORK" && run_with_timeout $((seconds + 60)) "./$target" -max_total_time="$seconds" -max_len=4096 \
            -print_final_stats=1 -artifact_prefix="$WORK/$target-" "corpus-$target" "$FUZZ/corpus/$target") \
            >"$WORK/$target.log" 2>&1; then
            runs=$(grep -o 'number_of_executed_units: *[0-9]*' "$WORK/$target.log" | grep -o '[0-9]*$')
            ok "$target: fuzzed for $seconds s (${runs:-?} executions), nothing found"
        else
            not_ok "$target: fuzzed for $seconds s, nothing found" "$(grep -v '^#' "$WORK/$target.log" | tail -n 25)"
        fi
    done
fi
done_testing
