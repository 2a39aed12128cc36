"""deferred-twisted.py: bench/deferred-reactor.c's two workloads on Twisted's Deferred (run by
/usr/bin/python3 with python3-twisted). Prints the same rows: workload params loop metric value unit.
Memory per Deferred is what tracemalloc sees allocated for one with three callback pairs, fired."""
import sys
import time
import tracemalloc

from twisted.internet.defer import Deferred


def option(name, default):
    args = sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--" + name and i + 1 < len(args):
            return int(args[i + 1])
    return default


def add_one(result):
    return result


def main():
    count = option("count", 1000000)
    length = option("chain", 100000)

    # memory of many live Deferreds with three pairs, fired (averaged: one is too small to see)
    many = 10000
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep = []
    for _ in range(many):
        d = Deferred()
        d.addCallbacks(add_one, add_one)
        d.addCallbacks(add_one, add_one)
        d.addCallbacks(add_one, add_one)
        d.callback(None)
        keep.append(d)
    per = (tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(keep)) / many
    tracemalloc.stop()
    del keep

    start = time.perf_counter()
    for _ in range(count):
        d = Deferred()
        d.addCallback(add_one)
        d.addCallback(add_one)
        d.addCallback(add_one)
        d.callback(None)
    fire_s = time.perf_counter() - start

    start = time.perf_counter()
    chain = [Deferred() for _ in range(length)]

    def link(result, i):
        return result if i == length - 1 else chain[i + 1]

    for i, d in enumerate(chain):
        d.addCallback(link, i)
    for d in chain:
        d.callback(None)
    chain_s = time.perf_counter() - start

    print("deferred\tfire,n=%d,pairs=3\ttwisted\tns_per_callback\t%.1f\tns" % (count, fire_s * 1e9 / (3 * count)))
    print("deferred\tfire,n=%d,pairs=3\ttwisted\tbytes_per_deferred\t%d\tbytes" % (count, per))
    print("deferred\tchain,n=%d\ttwisted\tns_per_callback\t%.1f\tns" % (length, chain_s * 1e9 / length))


sys.setrecursionlimit(10000)
main()
