/* memory_reactor.h: a reactor with no sockets and a clock the test moves (chapter 10; Twisted's
 * twisted.internet.testing.MemoryReactorClock).
 *
 * Hand memory_reactor_reactor(mr) to the code under test where a program hands it reactor_new()'s.
 * reactor_listen_tcp and reactor_connect_tcp then open nothing: the memory reactor records each call
 * (address, factory, timeout) for the test to inspect, and the test decides what happens — a
 * connect completes (the factory builds its protocol on a string transport, connection_made runs) or
 * fails with a reason; a client arrives at a listening port. The factory and the protocol are driven
 * as the real reactor drives them, in the same order, and the connector and the port answer
 * connector_stop, listening_port_number, ... as the real ones do. Time is a task_clock's: its
 * scheduler is the one reactor_scheduler() returns, so reactor_call_later runs when the test advances
 * the clock (task_clock_advance), and a connect's timeout fires then too.
 *
 * What it does not support fails loudly: a descriptor (reactor_add_reader/_writer) is refused with
 * MEMORY_REACTOR_ERR_UNSUPPORTED and a line on stderr; reactor_run returns that code after the same
 * kind of line; a connector or port used after its last call prints why and aborts (the real reactor
 * would have freed it). */
#ifndef MEMORY_REACTOR_H
#define MEMORY_REACTOR_H

#include "protocol.h"
#include "reactor.h"
#include "result.h"
#include "string_transport.h"
#include "task_clock.h"
#include "tcp.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* >> codes */
/* Result codes, in the testing range of the one code space (result.h). */
enum {
    MEMORY_REACTOR_ERR_UNSUPPORTED = -10801, /* a call the memory reactor does not support (see above) */
    MEMORY_REACTOR_ERR_NO_SUCH = -10802,     /* no listen or connect with that index */
    MEMORY_REACTOR_ERR_SETTLED = -10803,     /* that connect has already completed or failed */
};
/* << codes */

struct memory_reactor; /* opaque */

/* >> records */
/* What a connect is at. */
enum memory_connect_state {
    MEMORY_CONNECTING, /* recorded; waiting for the test */
    MEMORY_CONNECTED,  /* completed: the protocol is running on `transport` */
    MEMORY_FAILED,     /* failed (by the test, the timeout or connector_stop): reason says why */
    MEMORY_LOST,       /* completed, and the connection is over since: reason says why */
};

/* One reactor_connect_tcp call, as recorded. */
struct memory_connect {
    struct sockaddr_in address;
    struct factory *factory;
    double timeout; /* the timeout_seconds given */
    struct connector *connector;
    enum memory_connect_state state;
    int reason;                         /* why it failed or was lost, or 0 */
    struct string_transport *transport; /* once completed (owned by the memory reactor) */
};

/* One reactor_listen_tcp call, as recorded. */
struct memory_listen {
    struct sockaddr_in address; /* as given; port_number says what it reports for port 0 */
    struct factory *factory;
    struct listening_port *port;
    unsigned short port_number; /* the port given, or for 0 one the memory reactor chose */
    bool stopped;               /* listening_port_stop (or _free) was called */
    bool freed;                 /* listening_port_free was called */
};
/* << records */

/* Makes a memory reactor, at 0 s on its clock. Returns 0 or -ENOMEM. Free it with memory_reactor_free. */
int memory_reactor_new(struct memory_reactor **out);

/* Frees it, its clock (pending calls are cancelled, not run), its records and the string transports it
 * made. Protocols still running are not told (shut it down first for that). NULL is allowed. */
void memory_reactor_free(struct memory_reactor *mr);

/* What the real reactor does when it stops: every connection it made that is still open hears
 * connection_lost(REACTOR_ERR_CONNECTION_LOST) (and a client's factory client_connection_lost), every
 * connect still under way fails with it, and every listening port stops. Call it before
 * memory_reactor_free when protocols free themselves in connection_lost, so that nothing leaks. */
void memory_reactor_shut_down(struct memory_reactor *mr);

/* The reactor to hand to the code under test, and its clock (owned by mr). */
struct reactor *memory_reactor_reactor(struct memory_reactor *mr);
struct task_clock *memory_reactor_clock(struct memory_reactor *mr);

/* >> inspect */
/* How many connects and listens were recorded, and each, oldest first (NULL past the end). The records
 * belong to mr and stay until it is freed, also after their connector or port is gone. */
size_t memory_reactor_connect_count(const struct memory_reactor *mr);
const struct memory_connect *memory_reactor_connect_at(const struct memory_reactor *mr, size_t i);
size_t memory_reactor_listen_count(const struct memory_reactor *mr);
const struct memory_listen *memory_reactor_listen_at(const struct memory_reactor *mr, size_t i);
/* << inspect */

/* >> drive */
/* Completes connect i, as the reactor does when the socket connects: build_protocol(the address), then
 * the protocol on a new string transport (peer: the address; host: 127.0.0.1 and a port of the memory
 * reactor's), connection_made. When its connection is over (string_transport_finish, a pair's pump),
 * the factory hears client_connection_lost. A factory that builds no protocol hears
 * client_connection_failed(REACTOR_ERR_NO_PROTOCOL). Stores the transport in *out (NULL allowed; NULL
 * on error). Returns 0, REACTOR_ERR_NO_PROTOCOL, MEMORY_REACTOR_ERR_NO_SUCH, MEMORY_REACTOR_ERR_SETTLED,
 * or -ENOMEM. */
int memory_reactor_complete_connect(struct memory_reactor *mr, size_t i, struct string_transport **out);

/* Fails connect i with reason (-ECONNREFUSED, -ETIMEDOUT, ...): the factory hears
 * client_connection_failed. Returns 0, MEMORY_REACTOR_ERR_NO_SUCH or MEMORY_REACTOR_ERR_SETTLED. */
int memory_reactor_fail_connect(struct memory_reactor *mr, size_t i, int reason);

/* A client at peer (NULL: 192.168.1.1:54321) connects to listen i: build_protocol(peer), then the
 * protocol on a new string transport (host: the port's address), connection_made. Stores it in *out
 * (NULL allowed). Returns 0, REACTOR_ERR_NO_PROTOCOL (the factory refused: the client would see a
 * reset), -ECONNREFUSED (the port is stopped), MEMORY_REACTOR_ERR_NO_SUCH or -ENOMEM. */
int memory_reactor_accept(struct memory_reactor *mr, size_t i, const struct sockaddr_in *peer,
                          struct string_transport **out);
/* << drive */

#endif
