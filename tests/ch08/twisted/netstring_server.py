"""A Twisted server that sends netstrings with NetstringReceiver.sendString, then closes (reference peer).

usage: netstring_server.py  -- prints "Serving netstrings on port N."; every client gets the strings
below, in writes Twisted chooses, then a clean close. /usr/bin/python3."""
from twisted.internet import reactor
from twisted.internet.protocol import ServerFactory
from twisted.protocols.basic import NetstringReceiver

STRINGS = [b"", b"hello", b"\x00\r\n:,\xc3\xa9", b"x" * 99999, b"0:,", b"last"]


class Sender(NetstringReceiver):
    def connectionMade(self):
        for s in STRINGS:
            self.sendString(s)
        self.transport.loseConnection()


factory = ServerFactory()
factory.protocol = Sender
port = reactor.listenTCP(0, factory, interface="127.0.0.1")
print("Serving netstrings on port %d." % port.getHost().port, flush=True)
reactor.run()
