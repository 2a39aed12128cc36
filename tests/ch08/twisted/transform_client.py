"""A Twisted transformation client built on NetstringReceiver (reference peer).

usage: transform_client.py PORT NAME POEM_FILE  -- writes the reply's bytes to stdout and exits 0, or
says "no reply" on stderr and exits 3 if the server closed without one. /usr/bin/python3."""
import sys

from twisted.internet import reactor
from twisted.internet.protocol import ClientFactory
from twisted.protocols.basic import NetstringReceiver

port, name, path = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
with open(path, "rb") as f:
    poem = f.read()
result = {"reply": None}


class TransformClientProtocol(NetstringReceiver):
    def connectionMade(self):
        self.sendString(name + b"." + poem)

    def stringReceived(self, s):
        result["reply"] = s
        self.transport.loseConnection()

    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


class Factory(ClientFactory):
    protocol = TransformClientProtocol

    def clientConnectionFailed(self, connector, reason):
        sys.stderr.write("connect failed: %s\n" % reason.getErrorMessage())
        reactor.stop()


reactor.connectTCP("127.0.0.1", port, Factory())
reactor.callLater(20, reactor.stop)
reactor.run()
if result["reply"] is None:
    sys.stderr.write("no reply\n")
    sys.exit(3)
sys.stdout.buffer.write(result["reply"])
