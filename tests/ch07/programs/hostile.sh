# Chapter 7's programs against hostile input and surroundings: the checks every chapter's client and
# server share (tests/support/client_contract.sh, server_contract.sh). The client runs on Deferreds, on any backend;
# the contract is chapter 5's, whole: output that is lost, an endless server, arguments that could forge
# a line, poem files that are no regular file, delays too large.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"
. "$ROOT/tests/support/server_contract.sh"

CLIENT="$BIN/get-poetry"
contract_hostile

SERVER="$BIN/slowpoetry"
server_poem_checks
server_quoting
server_delay_limit

SERVER="$BIN/fastpoetry"
server_poem_checks
server_quoting

done_testing
