# Chapter 9 keeps chapter 8's hostile-input checks whole (tests/support/client_contract.sh,
# server_contract.sh): chapter 8's test, run against this snapshot's programs.
. "$ROOT/tests/ch08/programs/hostile.sh"
