# Chapter 9 keeps chapter 8's transform-server test whole: its command line, its replies, and
# byte-for-byte agreement with Twisted, run against this snapshot's server.
. "$ROOT/tests/ch08/programs/transform-server.sh"
