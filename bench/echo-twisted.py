#!/usr/bin/python3
"""echo-twisted.py: the TCP echo server on Twisted's default reactor, for scale. Prints "port N" first,
then echoes every byte back (see tcpbench.h)."""
import resource, sys

from twisted.internet import protocol, reactor

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Echo(protocol.Protocol):
    def connectionMade(self):
        self.transport.setTcpNoDelay(True)

    def dataReceived(self, data):
        self.transport.write(data)


factory = protocol.Factory.forProtocol(Echo)
port = reactor.listenTCP(0, factory, interface="127.0.0.1", backlog=4096)
print("port %d" % port.getHost().port)
sys.stdout.flush()
reactor.run()
