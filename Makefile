# Reactor from Scratch: the top-level Makefile. Each snapshot in code/chNN has its own small Makefile;
# this one delegates to them and runs what spans the whole workbook.
#
#   make setup            install what is missing (asks apt-get), then build everything and the book
#   make                  build every chapter's programs and the book
#   make test             every test; ends with "N passed, N failed, N skipped"
#                         (SANITIZE=1: under ASan+UBSan, built with gcc and with clang;
#                          TSAN=1: chapter 9 on, under ThreadSanitizer)
#   make test CH=05       one chapter's tests: its snapshot, its programs, its exercises
#   make check EX=ch01/NAME   check your own solution to one exercise
#   make demo CH=01       see a chapter's point: its servers and client (tools/demo.sh has each chapter's recipe)
#   make book             build/book.html and build/book.epub
#   make outputs          re-run the programs whose output the book shows (chapters/outputs/)
#   make diffs            build/diffs/chNN.diff and .html: what each chapter changed in the code, summary first
#   make valgrind         run the chapter programs under valgrind and report leaks
#   make compile-commands compile_commands.json for your editor (needs bear)
#   make fuzz TIME=600    run chapter 8's fuzzers, each for TIME seconds (default 60); needs clang
#   make bench            benchmarks: our reactor vs libevent, libev, libuv, raw epoll (bench/results/latest.md)
#   make clean

SNAPSHOTS := $(sort $(wildcard code/ch[0-9][0-9]))

all: programs book

setup:
	bash tools/install-deps.sh
	$(MAKE) --no-print-directory all

programs:
	@set -e; for dir in $(SNAPSHOTS); do $(MAKE) -s --no-print-directory -C $$dir SANITIZE=$(SANITIZE); done

test:
	SANITIZE=$(SANITIZE) TSAN=$(TSAN) bash tools/run-tests.sh $(if $(CH),--chapter $(CH))

check:
	@test -n "$(EX)" || { echo "usage: make check EX=chNN/NAME (the exercises are listed in README.md)"; exit 2; }
	@SANITIZE=$(SANITIZE) bash tools/run-tests.sh --exercise $(EX)

demo:
	@test -n "$(CH)" || { echo "usage: make demo CH=NN"; exit 2; }
	@bash tools/demo.sh $(CH)

book:
	@bash tools/build-book.sh

outputs: programs
	bash tools/make-outputs.sh

diffs:
	bash tools/make-diffs.sh

valgrind: programs
	bash tools/valgrind-programs.sh

fuzz:
	bash tools/fuzz.sh $(or $(TIME),60)

bench:
	bash bench/compare.sh

compile-commands:
	@command -v bear >/dev/null || { echo "compile-commands needs bear (apt-get install bear)"; exit 1; }
	bear --output compile_commands.json -- $(MAKE) -B programs

clean:
	@for dir in $(SNAPSHOTS); do $(MAKE) -s --no-print-directory -C $$dir clean; done
	rm -rf build

.PHONY: all setup programs test check demo book outputs diffs valgrind fuzz bench compile-commands clean
