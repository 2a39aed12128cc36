#!/usr/bin/python3
"""timers-twisted.py: the timer benchmark on Twisted's reactor, for scale. Same workload and output as
timers-*.c: timers twisted N schedule_s cancel_s run_s total_s cpu_s run_cpu_s"""
import sys, time

from twisted.internet import reactor


def opt(name, default):
    args = sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--" + name and i + 1 < len(args):
            return int(args[i + 1])
    return default


# The same delays as bench.h's splitmix64 (bench_rand01), so every loop waits for the same timers.
state = 0x5EED5EED12345678
M = (1 << 64) - 1


def rand01():
    global state
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    z ^= z >> 31
    return (z >> 11) * (1.0 / 9007199254740992.0)


n = opt("count", 1000000)
cancel = opt("cancel", 1)
delays = [rand01() for _ in range(n)]
expected = n - (n // 2 if cancel else 0)
fired = [0]


def on_timer():
    fired[0] += 1
    if fired[0] == expected:
        reactor.stop()


cpu0, t0 = time.process_time(), time.monotonic()
calls = [reactor.callLater(d, on_timer) for d in delays]
t1 = time.monotonic()
if cancel:
    for i in range(1, n, 2):
        calls[i].cancel()
t2, cpu2 = time.monotonic(), time.process_time()
reactor.run()
t3 = time.monotonic()
cpu = time.process_time() - cpu0
print("timers twisted %d %.4f %.4f %.4f %.4f %.4f %.4f" % (n, t1 - t0, t2 - t1, t3 - t2, t3 - t0, cpu,
                                                           time.process_time() - cpu2))
