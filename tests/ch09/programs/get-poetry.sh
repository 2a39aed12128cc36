# Chapter 9 keeps chapter 6's get-poetry test whole, with two changes chapter 9 makes on purpose. The
# client resolves host names, so `foo:1` is no longer a bad address (exit 2) but a download whose name
# does not resolve (exit 1; names.sh checks it). Names resolve from a hosts file of the test's own
# (RESOLVER_HOSTS_FILE), never through DNS. It checks select()'s FD_SETSIZE limit among the rest, so
# it runs on the select backend; backends.sh runs the programs on every backend.
export REACTOR_BACKEND=select
export CONTRACT_RESOLVES_NAMES=1
# ... and a second one, from the threads half of chapter 9: the reactor's waker is a descriptor it holds
# from the start, so with none free below FD_SETSIZE the select reactor cannot be made at all.
export CONTRACT_REACTOR_NEEDS_A_DESCRIPTOR=1
printf '127.0.0.1 localhost\n' >"$WORK/hosts"
export RESOLVER_HOSTS_FILE="$WORK/hosts"
. "$ROOT/tests/ch06/programs/get-poetry.sh"
