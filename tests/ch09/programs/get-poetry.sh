# Chapter 9 keeps chapter 6's get-poetry test whole, with one change chapter 9 makes on purpose: the
# client resolves host names, so `foo:1` is no longer a bad address (exit 2) but a download whose name
# does not resolve (exit 1; names.sh checks it). Names resolve from a hosts file of the test's own
# (RESOLVER_HOSTS_FILE), never through DNS. It checks select()'s FD_SETSIZE limit among the rest, so
# it runs on the select backend; backends.sh runs the programs on every backend.
export REACTOR_BACKEND=select
export CONTRACT_RESOLVES_NAMES=1
printf '127.0.0.1 localhost\n' >"$WORK/hosts"
export RESOLVER_HOSTS_FILE="$WORK/hosts"
. "$ROOT/tests/ch06/programs/get-poetry.sh"
