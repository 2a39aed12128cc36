# Chapter 6 keeps chapter 5's behaviour under load whole (the client now runs on Deferreds, with the
# same --connect-timeout and --idle-timeout): chapter 5's test, run against this snapshot's programs.
. "$ROOT/tests/ch05/programs/load.sh"
