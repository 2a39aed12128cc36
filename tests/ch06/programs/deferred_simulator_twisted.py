"""The deferred-simulator's twin in real Twisted: the same input grammar, the same output, so that a
test can run one chain through both and compare (tests/ch06/programs/deferred-simulator.sh)."""
import sys

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure


class Simulated(Exception):
    pass


pending = []  # (stage number, Deferred, word): a 'd' action's Deferred, for the loop in fire()


def make_step(number, action, track):
    kind, word = action

    def step(result):
        failed = isinstance(result, Failure)
        got = "failure %s" % result.value.args[0] if failed else "value %s" % result
        print("stage %d: %s got %s, " % (number, "errback" if failed else "callback", got), end="")
        if kind == "p":
            print("passes it on")
            return result
        if kind == "r":
            print("returns value %s" % word)
            return word
        if kind == "f":
            print("fails with %s" % word)
            raise Simulated(word)
        print("returns a Deferred")
        d = Deferred()
        pending.append((number, d, word))
        return d

    return step


def print_result(result):
    if isinstance(result, Failure):
        print("result: failure %s" % result.value.args[0])
    else:
        print("result: value %s" % result)


def fire(stages, how, word):
    d = Deferred()
    for number, callback, errback in stages:
        d.addCallbacks(make_step(number, callback, "c"), make_step(number, errback, "e"))
    d.addBoth(print_result)
    print("fire: %s %s" % ("value" if how == "r" else "failure", word))
    if how == "r":
        d.callback(word)
    else:
        d.errback(Failure(Simulated(word)))
    while pending:
        number, inner, value = pending.pop(0)
        print("the Deferred of stage %d fires with value %s" % (number, value))
        inner.callback(value)
    print()


def parse_action(words):
    kind = words.pop(0)
    if kind == "p":
        return (kind, None)
    return (kind, words.pop(0))


def main():
    stages = []
    source = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    for line in source:
        words = line.split("#")[0].split()
        if not words:
            continue
        if words[0] == "stage":
            words.pop(0)
            callback = parse_action(words)
            assert words.pop(0) == "/"
            errback = parse_action(words)
            stages.append((len(stages) + 1, callback, errback))
        elif words[0] == "fire":
            fire(stages, words[1], words[2])
            stages = []


main()
