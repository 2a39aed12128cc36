# Chapter 6 keeps chapter 5's slowpoetry contract whole (the client now runs on Deferreds): chapter 5's
# test, run against this snapshot's program.
. "$ROOT/tests/ch05/programs/slowpoetry.sh"
