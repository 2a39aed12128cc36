/* poetry_server.c: the slow and the fast poetry protocols. See poetry_server.h for the contracts. */
#include "poetry_server.h"

#include "address.h"
#include "reactor.h"
#include "transport.h"

#include <stdlib.h>
#include <string.h>

/* The first line a connection logs, and its peer's address as text. */
static void log_sending(struct poetry_server *server, struct transport *transport, char *who, size_t size) {
    struct sockaddr_in peer = transport_get_peer(transport);
    address_format(&peer, who, size);
    if (server->log != NULL)
        fprintf(server->log, "Sending %zu bytes of poetry to %s\n", server->poem_len, who);
}

/* Counts the end of a connection that got sent bytes of the poem, and says so if it left early. */
static void count_end(struct poetry_server *server, const char *who, size_t sent, int reason) {
    server->active -= 1;
    if (sent == server->poem_len && reason == REACTOR_CONNECTION_DONE) {
        server->served += 1;
        return;
    }
    server->left_early += 1;
    if (server->log != NULL)
        fprintf(server->log, "%s: %s left early, after %zu of %zu bytes: %s\n",
                server->program != NULL ? server->program : "poetry server", who, sent, server->poem_len,
                reason == REACTOR_CONNECTION_DONE ? "it closed the connection" : reactor_strerror(reason));
}

/* >> slow-protocol */
/* One client's connection: how much of the poem it has had, and the call that sends the next slice. */
struct slow_protocol {
    struct protocol base;
    struct poetry_server *server;
    size_t sent;
    struct delayed_call *next_slice; /* pending between two slices */
    char who[ADDRESS_TEXT_MAX];
};

/* Sends the next slice; then either schedules the one after or, at the end, closes the connection
 * (cleanly: the transport sends what is queued first). */
static int send_next_slice(void *arg) {
    struct slow_protocol *slow = arg;
    struct poetry_server *server = slow->server;
    if (slow->next_slice != NULL) {
        delayed_call_release(slow->next_slice); /* this call is running: the handle is spent */
        slow->next_slice = NULL;
    }
    size_t slice = server->poem_len - slow->sent;
    if (slice > server->num_bytes)
        slice = server->num_bytes;
    int err = transport_write(slow->base.transport, server->poem + slow->sent, slice);
    if (err != 0)
        return err; /* the connection is failing: connection_lost comes next and says why */
    slow->sent += slice;
    if (slow->sent == server->poem_len) {
        transport_lose_connection(slow->base.transport);
        return 0;
    }
    return scheduler_call_later(server->scheduler, server->delay, send_next_slice, slow, &slow->next_slice);
}

static void slow_connection_made(struct protocol *p, struct transport *transport) {
    struct slow_protocol *slow = (struct slow_protocol *)p;
    log_sending(slow->server, transport, slow->who, sizeof slow->who);
    if (slow->server->poem_len == 0)
        transport_lose_connection(transport);
    else if (send_next_slice(slow) != 0)
        transport_abort_connection(transport); /* out of memory */
}

/* The last call: the poem went out whole, or the client left early. Either way the pending slice, if
 * any, must not run, since its protocol is about to be freed. */
static void slow_connection_lost(struct protocol *p, int reason) {
    struct slow_protocol *slow = (struct slow_protocol *)p;
    if (slow->next_slice != NULL) {
        delayed_call_cancel(slow->next_slice);
        delayed_call_release(slow->next_slice);
        slow->next_slice = NULL;
    }
    count_end(slow->server, slow->who, slow->sent, reason);
    free(slow);
}

/* The client has finished writing (it shut down its side, as `nc -N` does). A poetry client has
 * nothing to say anyway, so that is no reason to stop: the poem goes on. Without this hook the
 * transport would take the client's half-close for the end and cut the poem short. */
static void slow_read_connection_lost(struct protocol *p) {
    (void)p;
}

static const struct protocol_ops slow_protocol_ops = {
    .connection_made = slow_connection_made,
    .connection_lost = slow_connection_lost,
    .read_connection_lost = slow_read_connection_lost,
};
/* << slow-protocol */

/* >> slow-factory */
static struct protocol *build_slow_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct slow_protocol *slow = calloc(1, sizeof *slow);
    if (slow == NULL)
        return NULL; /* the library resets this connection; the server goes on */
    slow->base.ops = &slow_protocol_ops;
    slow->server = (struct poetry_server *)f;
    slow->server->active += 1;
    return &slow->base;
}

static const struct factory_ops slow_factory_ops = {.build_protocol = build_slow_protocol};
/* << slow-factory */

void poetry_server_init_slow(struct poetry_server *server, struct scheduler *scheduler, const char *poem,
                             size_t poem_len, size_t num_bytes, double delay, FILE *log,
                             const char *program) {
    *server = (struct poetry_server){.factory.ops = &slow_factory_ops,
                                     .scheduler = scheduler,
                                     .poem = poem,
                                     .poem_len = poem_len,
                                     .num_bytes = num_bytes > 0 ? num_bytes : 1,
                                     .delay = delay,
                                     .log = log,
                                     .program = program};
}

/* >> fast-protocol */
/* One client's connection. All it does happens in connection_made; it only lives until
 * connection_lost, which frees it. */
struct fast_protocol {
    struct protocol base;
    struct poetry_server *server;
    size_t sent; /* the whole poem once the transport took it */
    char who[ADDRESS_TEXT_MAX];
};

static void send_poem(struct protocol *p, struct transport *transport) {
    struct fast_protocol *fast = (struct fast_protocol *)p;
    struct poetry_server *server = fast->server;
    log_sending(server, transport, fast->who, sizeof fast->who);
    if (transport_write(transport, server->poem, server->poem_len) != 0) {
        transport_abort_connection(transport); /* out of memory: this client gets nothing */
        return;
    }
    fast->sent = server->poem_len;
    transport_lose_connection(transport); /* once the queue has drained */
}

static void fast_connection_lost(struct protocol *p, int reason) {
    struct fast_protocol *fast = (struct fast_protocol *)p;
    struct poetry_server *server = fast->server;
    server->active -= 1;
    if (fast->sent == server->poem_len && reason == REACTOR_CONNECTION_DONE)
        server->served += 1;
    else
        server->left_early += 1; /* the fast server has always been quiet about those */
    free(fast);
}

static const struct protocol_ops fast_protocol_ops = {.connection_made = send_poem,
                                                      .connection_lost = fast_connection_lost};

static struct protocol *build_fast_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct fast_protocol *fast = calloc(1, sizeof *fast);
    if (fast == NULL)
        return NULL; /* the library resets this connection; the server goes on */
    fast->base.ops = &fast_protocol_ops;
    fast->server = (struct poetry_server *)f;
    fast->server->active += 1;
    return &fast->base;
}

static const struct factory_ops fast_factory_ops = {.build_protocol = build_fast_protocol};
/* << fast-protocol */

void poetry_server_init_fast(struct poetry_server *server, const char *poem, size_t poem_len, FILE *log,
                             const char *program) {
    *server = (struct poetry_server){
        .factory.ops = &fast_factory_ops, .poem = poem, .poem_len = poem_len, .log = log, .program = program};
}
