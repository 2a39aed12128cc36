"""A Twisted transformation server, as the Twisted Introduction's part 12 writes it (reference peer).

usage: transform_server.py   -- listens on 127.0.0.1, port 0; prints "Serving transforms on port N."
A request is one netstring NAME.POEM; the reply one netstring, then the server closes; an unknown
transform or a failing one closes without a reply. Run with /usr/bin/python3 (python3-twisted)."""
import sys

from twisted.internet import reactor
from twisted.internet.protocol import ServerFactory
from twisted.protocols.basic import NetstringReceiver


def cummingsify(poem):
    return poem.lower()  # bytes.lower(): ASCII letters only, as ours


def shout(poem):
    return poem.upper()


def fail(poem):
    raise ValueError("this transform always fails")


TRANSFORMS = {b"cummingsify": cummingsify, b"shout": shout, b"fail": fail}


class TransformProtocol(NetstringReceiver):
    def stringReceived(self, request):
        if b"." not in request:
            self.transport.loseConnection()
            return
        name, poem = request.split(b".", 1)
        try:
            result = TRANSFORMS[name](poem)
        except Exception:
            self.transport.loseConnection()
            return
        self.sendString(result)
        self.transport.loseConnection()


factory = ServerFactory()
factory.protocol = TransformProtocol
port = reactor.listenTCP(0, factory, interface="127.0.0.1")
print("Serving transforms on port %d." % port.getHost().port, flush=True)
reactor.run()
