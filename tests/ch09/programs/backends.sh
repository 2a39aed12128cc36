# Chapter 9 keeps chapter 7's backends test, with chapter 8's servers too.
PROGRAMS_ON_A_REACTOR="get-poetry slowpoetry fastpoetry transform-server"
. "$ROOT/tests/ch07/programs/backends.sh"
