# The book's pandoc filters (tools/include-code.lua, tools/graphviz.lua) and tools/build-book.sh, run on
# small documents in $WORK: listings are cut exactly, missing pieces fail the build and say what is
# missing, graphviz figures become SVG.
. "$ROOT/tests/support/lib.sh"

INCLUDE="$ROOT/tools/include-code.lua"
GRAPHVIZ="$ROOT/tools/graphviz.lua"
cd "$WORK" || exit 1
mkdir -p code/ch01 chapters/outputs figures

if ! command -v pandoc >/dev/null; then
    not_ok "pandoc is installed" "run: make setup"
    done_testing
fi

# A source file with two snippets, one nested in the other, indented, and a shell-style one.
cat >code/ch01/sample.c <<'EOF'
#include <stdio.h>

int main(void) {
    /* >> loop */
    for (int i = 0; i < 3; i++) {
        /* >> body */
        printf("%d\n", i);
        /* << body */
    }
    /* << loop */
    return 0;
}
EOF
cat >code/ch01/Makefile <<'EOF'
# >> flags
CFLAGS := -std=c11 -Wall
# << flags
all: sample
EOF
printf 'Task 1: got 672 bytes\nGot 1 poem in 0.1s\n' >chapters/outputs/ch01-run.txt

# collect.lua: writes each code block's text to $COLLECT, so a test compares exact lines.
cat >collect.lua <<'EOF'
function CodeBlock(block)
  local out = io.open(os.getenv("COLLECT"), "a")
  out:write(block.text, "\n")
  out:close()
end
EOF

# filter DOC.md [ARGS...]: pandoc with include-code.lua then collect.lua; stdout to DOC.html,
# stderr to DOC.err, the blocks' text to DOC.code.
filter() {
    local doc=$1
    shift
    rm -f "${doc%.md}.code"
    COLLECT="$WORK/${doc%.md}.code" run_with_timeout 30 pandoc "$doc" --lua-filter "$INCLUDE" \
        --lua-filter collect.lua -t html "$@" >"${doc%.md}.html" 2>"${doc%.md}.err"
}

# A snippet comes out exactly, de-indented, with the nested markers dropped.
cat >snippet.md <<'EOF'
```{.c include="code/ch01/sample.c" snippet="loop"}
```
EOF
cat >snippet.expected <<'EOF'
for (int i = 0; i < 3; i++) {
    printf("%d\n", i);
}
EOF
if filter snippet.md && cmp -s snippet.code snippet.expected; then
    ok "a snippet is included exactly: de-indented, nested markers dropped"
else
    not_ok "a snippet is included exactly" "expected:" "$(cat snippet.expected)" "got:" "$(show snippet.code)" \
        "stderr:" "$(show snippet.err)"
fi
if grep -q 'class="listing-file"' snippet.html && grep -q 'code/ch01/sample.c' snippet.html; then
    ok "the listing is captioned with its file's name"
else
    not_ok "the listing is captioned with its file's name" "$(show snippet.html)"
fi
if grep -q 'class="sourceCode c"' snippet.html && ! grep -q 'include=' snippet.html; then
    ok "the listing keeps its language and loses the include attributes"
else
    not_ok "the listing keeps its language and loses the include attributes" "$(show snippet.html)"
fi

# A '# >>' snippet in a Makefile, and a whole file with every marker dropped.
cat >whole.md <<'EOF'
```{.make include="code/ch01/Makefile" snippet="flags"}
```

```{.c include="code/ch01/sample.c"}
```
EOF
{
    echo 'CFLAGS := -std=c11 -Wall'
    grep -v '/\* [<>][<>] ' code/ch01/sample.c
} >whole.expected
if filter whole.md && cmp -s whole.code whole.expected; then
    ok "'# >> name' markers work; a whole file is included without its markers"
else
    not_ok "'# >> name' markers work; a whole file is included without its markers" "$(diff whole.expected whole.code)" \
        "$(show whole.err)"
fi

# Program output: captioned "output", not with a file name.
cat >output.md <<'EOF'
```{.text include="chapters/outputs/ch01-run.txt"}
```
EOF
if filter output.md && cmp -s output.code chapters/outputs/ch01-run.txt && grep -q 'listing-output' output.html &&
    ! grep -q 'listing-file' output.html; then
    ok "an output transcript is included whole, captioned as output"
else
    not_ok "an output transcript is included whole, captioned as output" "$(show output.html)"
fi

# A missing snippet fails the build and names the document, the snippet and the file.
cat >nosnippet.md <<'EOF'
```{.c include="code/ch01/sample.c" snippet="no-such-snippet"}
```
EOF
filter nosnippet.md
status=$?
if [ $status -ne 0 ] && grep -q "include-code: nosnippet.md: no snippet 'no-such-snippet' in code/ch01/sample.c" nosnippet.err; then
    ok "a missing snippet fails the build, naming the snippet and the file"
else
    not_ok "a missing snippet fails the build, naming the snippet and the file" "status $status" "$(show nosnippet.err)"
fi

# A missing file too.
cat >nofile.md <<'EOF'
```{.c include="code/ch01/no-such-file.c" snippet="loop"}
```
EOF
filter nofile.md
status=$?
if [ $status -ne 0 ] && grep -q "include-code: nofile.md: .*code/ch01/no-such-file.c" nofile.err; then
    ok "a missing file fails the build, naming the file"
else
    not_ok "a missing file fails the build, naming the file" "status $status" "$(show nofile.err)"
fi

# An opened snippet that never closes is an error, not a listing that runs to the end of the file.
printf '/* >> open */\nint x;\n' >code/ch01/unclosed.c
printf '```{.c include="code/ch01/unclosed.c" snippet="open"}\n```\n' >unclosed.md
if ! filter unclosed.md && grep -q "snippet 'open' is never closed" unclosed.err; then
    ok "a snippet that is never closed fails the build"
else
    not_ok "a snippet that is never closed fails the build" "$(show unclosed.err)"
fi

# graphviz.lua: a dot block and a .dot image become SVG figures with their captions.
if command -v dot >/dev/null; then
    printf 'digraph { wait -> ready -> "call back" -> wait }\n' >figures/loop.dot
    cat >figures.md <<'EOF'
```{.dot caption="The loop, drawn inline"}
digraph { select -> callback -> select }
```

![The loop, from a file](figures/loop.dot)
EOF
    if run_with_timeout 30 pandoc figures.md --lua-filter "$GRAPHVIZ" -t html >figures.html 2>figures.err; then
        svgs=$(grep -o 'build/figures/[^"]*\.svg' figures.html | sort -u)
        good=1
        for svg in $svgs; do grep -q '<svg' "$svg" || good=0; done
        if [ "$good" = 1 ] && [ "$(echo "$svgs" | wc -w)" -eq 2 ] && [ -f build/figures/loop.svg ]; then
            ok "a dot block and a .dot image become SVG files"
        else
            not_ok "a dot block and a .dot image become SVG files" "$(show figures.html)"
        fi
        if [ "$(grep -c '<figure>' figures.html)" -eq 2 ] && grep -q '<figcaption[^>]*>The loop, drawn inline' figures.html &&
            grep -q '<figcaption[^>]*>The loop, from a file' figures.html; then
            ok "each becomes a figure with its caption"
        else
            not_ok "each becomes a figure with its caption" "$(show figures.html)"
        fi
    else
        not_ok "a dot block and a .dot image become SVG files" "$(show figures.err)"
    fi

    printf '![Broken](figures/broken.dot)\n' >broken.md
    printf 'digraph { a -> }\n' >figures/broken.dot
    if ! run_with_timeout 30 pandoc broken.md --lua-filter "$GRAPHVIZ" -t html >/dev/null 2>broken.err &&
        grep -q 'graphviz: broken.md: dot cannot draw the figure figures/broken.dot' broken.err; then
        ok "a graph dot rejects fails the build, naming the figure"
    else
        not_ok "a graph dot rejects fails the build, naming the figure" "$(show broken.err)"
    fi
else
    not_ok "graphviz's dot is installed" "run: make setup"
fi

# book-structure.lua: figures numbered per chapter and referenced by number; chapters this edition lacks
# are marked; the edition block lists the chapters; every chapter ends with previous/next links.
STRUCTURE="$ROOT/tools/book-structure.lua"
cat >structure.md <<'EOF'
# Front {.unnumbered}

::: {#edition}
:::

# One {#ch01}

As @fig:two shows, and chapter 2 says, chapter 9 will too (chapter 7), and chapter 12's too.

![The first figure, one.](a.png){#fig:one}

# Two {#ch02}

![The second, two.](b.png){#fig:two}

![The third, three.](c.png){#fig:three}

# Appendix A: More {#appendix-more .unnumbered}

![The appendix's figure.](d.png){#fig:more}
EOF
if run_with_timeout 30 pandoc structure.md --lua-filter "$STRUCTURE" -t html >structure.html 2>structure.err; then
    tr '\n' ' ' <structure.html | sed 's/  */ /g' >structure.flat
    if grep -q '<div id="fig-one" class="figure">' structure.flat && grep -q '<strong>Figure.1\.1\.</strong> The first' structure.flat &&
        grep -q '<strong>Figure.2\.1\.</strong> The second' structure.flat && grep -q '<strong>Figure.2\.2\.</strong> The third' structure.flat &&
        grep -q '<strong>Figure.A\.1\.</strong>' structure.flat &&
        grep -q '<a href="#fig-two" class="figure-ref">Figure.2\.1</a> shows' structure.flat; then
        ok "figures are numbered per chapter (and by appendix letter), and @fig:NAME becomes 'Figure 2.1'"
    else
        not_ok "figures are numbered per chapter (and by appendix letter), and @fig:NAME becomes 'Figure 2.1'" "$(show structure.html)"
    fi
    if grep -q 'chapter 2 says' structure.flat &&
        grep -q 'chapter 9 <span class="not-in-edition">(not in this edition)</span>' structure.flat &&
        grep -q '(chapter 7<span class="not-in-edition">, not in this edition</span>)' structure.flat &&
        grep -q 'chapter 12[^ ]*s <span class="not-in-edition">(not in this edition)</span>' structure.flat; then
        ok "a chapter this edition does not have is marked '(not in this edition)'; one it has is not"
    else
        not_ok "a chapter this edition does not have is marked '(not in this edition)'; one it has is not" "$(show structure.html)"
    fi
    if grep -q 'This edition has 2 chapters and 1 appendix\.' structure.flat &&
        grep -q '<a href="#ch02">Chapter 2: Two</a>' structure.flat && grep -q '<a href="#appendix-more">Appendix A: More</a>' structure.flat; then
        ok "the edition block lists the chapters and appendices the book has"
    else
        not_ok "the edition block lists the chapters and appendices the book has" "$(show structure.html)"
    fi
    if [ "$(grep -o 'class="chapter-nav"' structure.flat | wc -l)" -eq 4 ] &&
        grep -q '<a href="#ch01" class="prev">← 1 One</a>' structure.flat && grep -q '<a href="#ch02" class="next">2 Two →</a>' structure.flat; then
        ok "each chapter ends with previous / next chapter links"
    else
        not_ok "each chapter ends with previous / next chapter links" "$(show structure.html)"
    fi
else
    not_ok "book-structure.lua runs" "$(show structure.err)"
fi
printf '# One\n\nSee @fig:nowhere.\n' >badref.md
if ! run_with_timeout 30 pandoc badref.md --lua-filter "$STRUCTURE" -t html >/dev/null 2>badref.err &&
    grep -q '@fig:nowhere refers to no figure' badref.err; then
    ok "a reference to no figure fails the build, naming it"
else
    not_ok "a reference to no figure fails the build, naming it" "$(show badref.err)"
fi

# include-code.lua in the EPUB: a long line is broken with a mark, and nothing is lost.
printf 'int main(void) { return some_function_with_a_long_name(first_argument, second_argument); }\n' >code/ch01/long.c
printf '```{.c include="code/ch01/long.c"}\n```\n' >long.md
if LISTING_WRAP=40 filter long.md; then
    if python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 40 for l in open(sys.argv[1], encoding="utf-8")))' long.code &&
        [ "$(grep -c '↪' long.code)" -ge 1 ] &&
        [ "$(sed 's/^ *↪ //' long.code | tr -d ' \n')" = "$(tr -d ' \n' <code/ch01/long.c)" ]; then
        ok "with LISTING_WRAP (the EPUB's default) long lines break with a ↪ mark, nothing lost"
    else
        not_ok "with LISTING_WRAP (the EPUB's default) long lines break with a ↪ mark, nothing lost" "$(show long.code)"
    fi
else
    not_ok "with LISTING_WRAP long lines break with a mark" "$(show long.err)"
fi
if filter long.md && [ "$(wc -l <long.code)" -eq 1 ]; then
    ok "in HTML a long line stays whole"
else
    not_ok "in HTML a long line stays whole" "$(show long.code)"
fi

# build-book.sh: a small book (listing, output, figure) builds both formats; a missing chapter fails.
cat >chapter.md <<'EOF'
# A chapter

```{.c include="code/ch01/get-poetry.c"}
```
EOF
cat >book.md <<EOF
---
title: Test book
chapters: [$WORK/chapter.md]
---

# Preface {.unnumbered}

Hello.
EOF
if BOOK_OUT="$WORK/out" run_with_timeout 60 bash "$ROOT/tools/build-book.sh" "$WORK/book.md" >book.out 2>&1 &&
    [ -s out/book.html ] && [ -s out/book.epub ] && grep -q 'class="listing-file"' out/book.html; then
    ok "build-book.sh builds a small book as HTML and EPUB"
else
    not_ok "build-book.sh builds a small book as HTML and EPUB" "$(show book.out)"
fi
if grep -qiE '<link[^>]+href="https?:|<script[^>]+src="https?:' out/book.html 2>/dev/null; then
    not_ok "the HTML book needs nothing from the network" "$(grep -oiE '(href|src)="https?:[^"]*' out/book.html | head -3)"
else
    ok "the HTML book needs nothing from the network"
fi
sed -i "s#$WORK/chapter.md#$WORK/no-such-chapter.md#" book.md
if ! BOOK_OUT="$WORK/out" run_with_timeout 60 bash "$ROOT/tools/build-book.sh" "$WORK/book.md" >book.out 2>&1 &&
    grep -q "no-such-chapter.md, which does not exist" book.out; then
    ok "build-book.sh fails on a missing chapter, naming it"
else
    not_ok "build-book.sh fails on a missing chapter, naming it" "$(show book.out)"
fi
sed -i "s#$WORK/no-such-chapter.md#$WORK/chapter-bad.md#" book.md
printf '# Bad\n\n```{.c include="code/ch01/get-poetry.c" snippet="gone"}\n```\n' >chapter-bad.md
if ! BOOK_OUT="$WORK/out" run_with_timeout 60 bash "$ROOT/tools/build-book.sh" "$WORK/book.md" >book.out 2>&1 &&
    grep -q "include-code: $WORK/chapter-bad.md: no snippet 'gone' in code/ch01/get-poetry.c" book.out; then
    ok "a broken include fails the book, naming the chapter"
else
    not_ok "a broken include fails the book, naming the chapter" "$(show book.out)"
fi

done_testing
