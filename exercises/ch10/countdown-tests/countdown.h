/* countdown.h: a countdown service — the service this exercise's tests are for (it has none yet).
 *
 * A client that connects hears the count, one line a second: "3\r\n" at once, "2\r\n" a second later,
 * then "1\r\n", then "liftoff\r\n", and the server closes the connection cleanly. A client that leaves
 * before liftoff ends only its own countdown: the next line's delayed call is cancelled, so nothing is
 * left on the reactor's clock. Use: hand &server->factory to reactor_listen_tcp. */
#ifndef COUNTDOWN_H
#define COUNTDOWN_H

#include "protocol.h"
#include "reactor.h"

#include <stddef.h>

struct countdown_server {
    struct factory factory; /* first: hand &server->factory to the library */
    struct reactor *reactor;
    int from;          /* the first number (3 by default) */
    size_t active;     /* countdowns running now (read it; don't write it) */
    size_t lifted_off; /* countdowns that reached liftoff */
};

/* Readies server to count down from `from` (>= 1) on reactor's clock. Allocates nothing; every
 * connection's protocol is allocated by build_protocol and freed in its connection_lost. */
void countdown_server_init(struct countdown_server *server, struct reactor *reactor, int from);

#endif
