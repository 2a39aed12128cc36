# Chapter 9 keeps chapter 6's fastpoetry contract whole (on whichever backend REACTOR_BACKEND names): chapter 6's
# test, run against this snapshot's programs. (--iface ::1 is in names.sh.)
. "$ROOT/tests/ch06/programs/fastpoetry.sh"
