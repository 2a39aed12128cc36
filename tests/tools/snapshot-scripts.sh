# The scripts that keep snapshots in step (tools/carry-forward.sh, tools/new-snapshot.sh,
# tools/make-diffs.sh), run on a throwaway git repository made in $WORK, never on the workbook itself.
. "$ROOT/tests/support/lib.sh"

repo="$WORK/repo"
mkdir -p "$repo/tools" "$repo/code"
cp "$ROOT/tools/carry-forward.sh" "$ROOT/tools/new-snapshot.sh" "$ROOT/tools/make-diffs.sh" "$ROOT/tools/diff-page.py" \
    "$repo/tools/"
cd "$repo" || exit 1
git() { command git -c user.name=test -c user.email=test@example.invalid -c init.defaultBranch=main "$@"; }

# Three snapshots: ch02 shares ch01's loop.c; ch03 rewrote it; only ch01 has old.c.
loop='#include <stdio.h>

int main(void) {
    for (int i = 0; i < 3; i++)
        printf("%d\n", i);
    return 0;
}'
for ch in ch01 ch02 ch03; do
    mkdir -p "code/$ch"
    printf '%s\n' "$loop" >"code/$ch/loop.c"
done
printf 'int old;\n' >code/ch01/old.c
printf '#include <stdio.h>\n\nint main(void) {\n    puts("rewritten");\n    return 0;\n}\n' >code/ch03/loop.c
git init -q . && git add -A && git commit -q -m "three snapshots" || { not_ok "a throwaway git repository"; done_testing; }

# A fix in ch01 lands in ch02; ch03, whose code differs, is reported as a conflict and left alone.
sed -i 's/i < 3/i < 4/' code/ch01/loop.c
bash tools/carry-forward.sh ch01 >carry.out 2>&1
status=$?
if grep -q 'i < 4' code/ch02/loop.c && grep -q '^ch02: applied' carry.out; then
    ok "a change to ch01 lands in ch02 and is reported as applied"
else
    not_ok "a change to ch01 lands in ch02 and is reported as applied" "$(show carry.out)" "$(cat code/ch02/loop.c)"
fi
if [ $status -ne 0 ] && grep -q '^ch03: conflict: loop.c' carry.out && grep -q 'rewritten' code/ch03/loop.c &&
    ! grep -q 'i < 4' code/ch03/loop.c && [ -z "$(find code -name '*.rej' -o -name '*.orig')" ]; then
    ok "a conflicting snapshot is reported, left unchanged, and the script exits non-zero"
else
    not_ok "a conflicting snapshot is reported, left unchanged, and the script exits non-zero" "status $status" \
        "$(show carry.out)"
fi

# Running it again changes nothing and says so.
bash tools/carry-forward.sh ch01 loop.c >again.out 2>&1
if grep -q '^ch02: already there' again.out && [ "$(grep -c 'i < 4' code/ch02/loop.c)" -eq 1 ]; then
    ok "a second run finds the change already there"
else
    not_ok "a second run finds the change already there" "$(show again.out)"
fi

# A snapshot without the changed file is skipped, not an error.
git checkout -q -- code
printf 'int old = 1;\n' >code/ch01/old.c
if bash tools/carry-forward.sh ch01 >skip.out 2>&1 && grep -q '^ch02: skipped' skip.out; then
    ok "snapshots without the changed file are skipped"
else
    not_ok "snapshots without the changed file are skipped" "$(show skip.out)"
fi
git checkout -q -- code

# new-snapshot.sh copies the latest snapshot without its build folders, and refuses to overwrite one.
mkdir -p code/ch03/build && touch code/ch03/build/loop code/ch03/loop.o
if bash tools/new-snapshot.sh 04 >new.out 2>&1 && cmp -s code/ch03/loop.c code/ch04/loop.c &&
    [ ! -e code/ch04/build ] && [ ! -e code/ch04/loop.o ]; then
    ok "new-snapshot.sh copies the previous snapshot without build output"
else
    not_ok "new-snapshot.sh copies the previous snapshot without build output" "$(show new.out)"
fi
if ! bash tools/new-snapshot.sh 04 >new2.out 2>&1 && grep -q 'already exists' new2.out; then
    ok "new-snapshot.sh refuses an existing snapshot"
else
    not_ok "new-snapshot.sh refuses an existing snapshot" "$(show new2.out)"
fi

# make-diffs.sh: one diff per chapter, without build output, and a summary line each.
if DIFFS_OUT="$WORK/diffs" bash tools/make-diffs.sh >diffs.out 2>&1 && [ -f "$WORK/diffs/ch03.diff" ] &&
    grep -q '^ch03: 1 file changed, +1 -2 lines' diffs.out && grep -q '^+    puts("rewritten");' "$WORK/diffs/ch03.diff" &&
    ! grep -q 'loop\.o\|/build' "$WORK/diffs/ch03.diff"; then
    ok "make-diffs.sh writes a diff per chapter with a one-line summary"
else
    not_ok "make-diffs.sh writes a diff per chapter with a one-line summary" "$(show diffs.out)"
fi

# The diff begins with its summary: changed files with their counts, new files, gone files; then the
# changes to changed files, then new files whole, then gone ones. And each has an HTML page.
mkdir -p code/ch02/sub && printf 'int added;\n' >code/ch02/sub/new.c
if DIFFS_OUT="$WORK/diffs2" bash tools/make-diffs.sh >diffs2.out 2>&1 &&
    head -n 8 "$WORK/diffs2/ch02.diff" | grep -q '^# New: 1 file, 1 line$' &&
    grep -q '^#   sub/new.c  *1 line$' "$WORK/diffs2/ch02.diff" &&
    grep -q '^# Gone: 1 file' "$WORK/diffs2/ch02.diff" && grep -q '^#   old.c' "$WORK/diffs2/ch02.diff" &&
    grep -q '^#   loop.c  *+1  *-2' "$WORK/diffs2/ch03.diff" &&
    [ "$(grep '^diff -uN' "$WORK/diffs2/ch02.diff" | cut -d' ' -f4 | tr '\n' ' ')" = "code/ch02/sub/new.c code/ch02/old.c " ] &&
    grep -q 'href="#file-sub-new-c"' "$WORK/diffs2/ch02.html" && grep -q 'id="file-sub-new-c"' "$WORK/diffs2/ch02.html"; then
    ok "a chapter's diff begins with its summary (changed, new, gone), new files after the changes, and has a page"
else
    not_ok "a chapter's diff begins with its summary (changed, new, gone), new files after the changes, and has a page" \
        "$(show diffs2.out)" "$(head -n 20 "$WORK/diffs2/ch02.diff" 2>&1)"
fi
rm -rf code/ch02/sub

done_testing
