"""ask.py PORT: a plain-socket peer. Sends stdin's bytes to 127.0.0.1:PORT (without shutting down its
write side), reads to the end, writes what came back to stdout. Exit 0 after a clean close, 4 after a
reset, 5 if nothing came within 10 s (the server did not close). /usr/bin/python3."""
import socket
import sys

request = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
try:
    s.sendall(request)
except (BrokenPipeError, ConnectionResetError):
    pass  # the server may refuse before it has read everything
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except ConnectionResetError:
    sys.stdout.buffer.write(out)
    sys.exit(4)
except socket.timeout:
    sys.stdout.buffer.write(out)
    sys.exit(5)
sys.stdout.buffer.write(out)
