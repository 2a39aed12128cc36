# Chapter 9 keeps chapter 6's load test whole. It checks select()'s FD_SETSIZE limit among the rest, so
# it runs on the select backend; backends.sh runs the programs on every backend.
export REACTOR_BACKEND=select
. "$ROOT/tests/ch06/programs/load.sh"
