"""threads-twisted.py: calls from threads into Twisted's reactor (reactor.callFromThread), the same two
measurements as threads.h describes for the C loops: --threads T --calls N (throughput, and how often
the reactor's waker was written and read per call) and --pings K (the wake-up latency of one call made
while the reactor sleeps). Prints rows of bench/results/latest.tsv. Run by /usr/bin/python3, which has
python3-twisted. One measurement per process: Twisted's reactor cannot be restarted."""
import argparse
import threading
import time

from twisted.internet import reactor

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=0)
parser.add_argument("--calls", type=int, default=100000)
parser.add_argument("--pings", type=int, default=0)
args = parser.parse_args()
if (args.threads == 0) == (args.pings == 0):
    parser.error("give --threads T --calls N, or --pings K")

# Count the waker's writes and reads: wrap the reactor's own waker methods.
counts = {"writes": 0, "reads": 0}
waker = reactor.waker
real_wake, real_read = waker.wakeUp, waker.doRead


def counting_wake():
    counts["writes"] += 1
    real_wake()


def counting_read():
    counts["reads"] += 1
    return real_read()


waker.wakeUp, waker.doRead = counting_wake, counting_read


def throughput(threads, calls):
    state = {"run": 0, "end": 0.0}

    def one_call():
        state["run"] += 1
        if state["run"] == calls:
            state["end"] = time.monotonic()
            reactor.stop()

    def produce(n):
        for _ in range(n):
            reactor.callFromThread(one_call)

    shares = [calls // threads + (1 if t < calls % threads else 0) for t in range(threads)]
    workers = [threading.Thread(target=produce, args=(n,)) for n in shares]

    def start():
        state["start"] = time.monotonic()
        for w in workers:
            w.start()

    reactor.callWhenRunning(start)
    reactor.run()
    for w in workers:
        w.join()
    params = "threads=%d" % threads
    rate = calls / (state["end"] - state["start"])
    print("threads\t%s\ttwisted\tcalls_per_s\t%.0f\tcalls/s" % (params, rate))
    print("threads\t%s\ttwisted\twakeups_per_call\t%.6f\tratio" % (params, counts["reads"] / calls))
    print("threads\t%s\ttwisted\twaker_writes_per_call\t%.6f\tratio" % (params, counts["writes"] / calls))


def latency(pings):
    sent = [0.0] * pings
    got = [0.0] * pings
    done = threading.Semaphore(0)

    def pong(i):
        got[i] = time.monotonic()
        done.release()
        if i + 1 == pings:
            reactor.stop()

    def pinger():
        for i in range(pings):
            time.sleep(0.0002)
            sent[i] = time.monotonic()
            reactor.callFromThread(pong, i)
            done.acquire()

    reactor.callWhenRunning(lambda: threading.Thread(target=pinger).start())
    reactor.run()
    us = sorted((g - s) * 1e6 for s, g in zip(sent, got))
    print("threads\tlatency\ttwisted\twakeup_us_p50\t%.1f\tus" % us[pings // 2])
    print("threads\tlatency\ttwisted\twakeup_us_p99\t%.1f\tus" % us[pings * 99 // 100])


if args.threads:
    throughput(args.threads, args.calls)
else:
    latency(args.pings)
