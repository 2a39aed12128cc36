# Chapter 9 keeps chapter 8's fuzz targets in make test: their seed corpora replayed through this
# snapshot's parsers (and fuzzed for a few seconds where clang's libFuzzer is present).
. "$ROOT/tests/ch08/programs/fuzz.sh"
