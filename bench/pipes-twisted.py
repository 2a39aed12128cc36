#!/usr/bin/python3
"""pipes-twisted.py: the pipe chain on Twisted's default reactor (epoll on Linux), for scale.
Same workload and output as pipes-*.c: pipes twisted N A W seconds us_per_event setup_us"""
import os, socket, sys, time

from twisted.internet import reactor
from zope.interface import implementer
from twisted.internet.interfaces import IReadDescriptor


def opt(name, default):
    args = sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--" + name and i + 1 < len(args):
            return int(args[i + 1])
        if a.startswith("--" + name + "="):
            return int(a.split("=", 1)[1])
    return default


n, active, writes = opt("pipes", 100), opt("active", 10), opt("writes", 100000)
pairs = [socket.socketpair() for _ in range(n)]
state = {"count": 0, "fired": 0, "left": writes, "t0": 0.0, "t1": 0.0}


@implementer(IReadDescriptor)
class Reader:
    def __init__(self, i):
        self.i, self.sock = i, pairs[i][0]
        self.fd = self.sock.fileno()

    def fileno(self):
        return self.fd

    def logPrefix(self):
        return "reader"

    def connectionLost(self, reason):
        pass

    def doRead(self):
        os.read(self.fd, 1)
        state["count"] += 1
        if state["left"] > 0:
            os.write(pairs[(self.i + 1) % n][1].fileno(), b"e")
            state["left"] -= 1
            state["fired"] += 1
        if state["count"] == state["fired"]:
            state["t1"] = time.monotonic()
            reactor.stop()


readers = [Reader(i) for i in range(n)]
for r in readers:
    reactor.addReader(r)


def start():
    t0 = time.monotonic()
    for r in readers:
        reactor.removeReader(r)
    for r in readers:
        reactor.addReader(r)
    state["setup_us"] = (time.monotonic() - t0) * 1e6
    space = n // active
    state["t0"] = time.monotonic()
    for i in range(active):
        os.write(pairs[i * space][1].fileno(), b"e")
        state["fired"] += 1


reactor.callWhenRunning(start)
reactor.run()
s = state["t1"] - state["t0"]
print("pipes twisted %d %d %d %.4f %.3f %.1f" % (n, active, writes, s, s * 1e6 / (active + writes), state["setup_us"]))
