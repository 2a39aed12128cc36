/* connected_pair.c: two protocols pumped by hand. See connected_pair.h. */
#include "connected_pair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

/* >> pair-struct */
struct side {
    struct string_transport *transport;
    size_t delivered; /* bytes that have gone to the other side */
    bool end_sent;    /* the other side has been told this side finished writing */
    bool drop;        /* connected_pair_drop_at: break the connection at byte drop_at of this side's */
    size_t drop_at;
    int drop_reason;
};

struct connected_pair {
    struct side sides[2]; /* CONNECTED_PAIR_CLIENT, CONNECTED_PAIR_SERVER */
    bool owned;           /* the transports are the pair's */
    struct chunker *chunker;
    connected_pair_trace_fn trace; /* told every delivery and end, or NULL */
    void *trace_arg;
};
/* << pair-struct */

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

int connected_pair_join(struct string_transport *client, struct string_transport *server,
                        struct connected_pair **out) {
    struct connected_pair *pair = calloc(1, sizeof *pair);
    if (pair == NULL)
        return -ENOMEM;
    pair->sides[CONNECTED_PAIR_CLIENT].transport = client;
    pair->sides[CONNECTED_PAIR_SERVER].transport = server;
    *out = pair;
    return 0;
}

int connected_pair_new(struct protocol *client, struct protocol *server, struct connected_pair **out) {
    struct string_transport *c = string_transport_new(), *s = string_transport_new();
    if (c == NULL || s == NULL || connected_pair_join(c, s, out) != 0) {
        string_transport_free(c);
        string_transport_free(s);
        return -ENOMEM;
    }
    (*out)->owned = true;
    struct sockaddr_in server_host = loopback(8000), client_host = loopback(40000);
    string_transport_set_host(s, &server_host);
    string_transport_set_peer(s, &client_host);
    string_transport_set_host(c, &client_host);
    string_transport_set_peer(c, &server_host);
    string_transport_attach(s, server, NULL, NULL);
    string_transport_attach(c, client, NULL, NULL);
    return 0;
}

void connected_pair_free(struct connected_pair *pair) {
    if (pair == NULL)
        return;
    if (pair->owned) {
        string_transport_free(pair->sides[0].transport);
        string_transport_free(pair->sides[1].transport);
    }
    free(pair);
}

void connected_pair_set_chunker(struct connected_pair *pair, struct chunker *chunker) {
    pair->chunker = chunker;
}

void connected_pair_set_trace(struct connected_pair *pair, connected_pair_trace_fn trace, void *arg) {
    pair->trace = trace;
    pair->trace_arg = arg;
}

void connected_pair_drop_at(struct connected_pair *pair, enum connected_pair_side from, size_t byte,
                            int reason) {
    struct side *s = &pair->sides[from];
    s->drop = true;
    s->drop_at = byte;
    s->drop_reason = reason;
}

struct string_transport *connected_pair_transport(struct connected_pair *pair,
                                                  enum connected_pair_side side) {
    return pair->sides[side].transport;
}

size_t connected_pair_delivered(const struct connected_pair *pair, enum connected_pair_side from) {
    return pair->sides[from].delivered;
}

bool connected_pair_over(const struct connected_pair *pair) {
    return string_transport_over(pair->sides[0].transport) && string_transport_over(pair->sides[1].transport);
}

static size_t unsent(const struct side *s) {
    size_t len;
    string_transport_unsent(s->transport, &len);
    return len;
}

static bool over(const struct side *s) {
    return string_transport_over(s->transport);
}

/* Ends the connection for both sides with reason (a drop, an abort's reset). */
static void break_connection(struct side *x, int x_reason, struct side *y, int y_reason) {
    string_transport_take(x->transport, unsent(x));
    string_transport_take(y->transport, unsent(y));
    if (!over(x))
        string_transport_finish(x->transport, x_reason);
    if (!over(y))
        string_transport_finish(y->transport, y_reason);
}

/* >> carry */
/* Carries x's unsent bytes to y, in the chunker's pieces, stopping at x's drop byte. Returns whether
 * anything happened. */
static bool carry(struct connected_pair *pair, struct side *x, struct side *y) {
    if (unsent(x) == 0)
        return false;
    if (over(x) && string_transport_lost_reason(x->transport) != REACTOR_CONNECTION_DONE) {
        string_transport_take(x->transport, unsent(x)); /* a connection that broke sends nothing more */
        return true;
    }
    if (over(y)) { /* the peer is gone: what x sends meets a reset */
        string_transport_take(x->transport, unsent(x));
        if (!over(x))
            string_transport_finish(x->transport, -ECONNRESET);
        return true;
    }
    while (unsent(x) > 0 && !over(y)) {
        size_t len;
        const char *bytes = string_transport_unsent(x->transport, &len);
        size_t n = pair->chunker != NULL ? chunker_next(pair->chunker, len) : len;
        if (x->drop && x->delivered + n > x->drop_at) {
            n = x->drop_at - x->delivered;
            if (n == 0) {
                break_connection(x, x->drop_reason, y, x->drop_reason);
                return true;
            }
        }
        if (pair->trace != NULL)
            pair->trace(pair->trace_arg, y == &pair->sides[0] ? CONNECTED_PAIR_CLIENT : CONNECTED_PAIR_SERVER,
                        bytes, n, 0);
        int err = string_transport_deliver(y->transport, bytes, n);
        if (err != 0) { /* y stopped reading: the rest is dropped, as a closing socket drops it */
            string_transport_take(x->transport, len);
            return true;
        }
        string_transport_take(x->transport, n);
        x->delivered += n;
    }
    return true;
}
/* << carry */

/* Whether x has said everything it will say. */
static bool finished_writing(const struct side *x) {
    return over(x) || string_transport_lose_requested(x->transport) ||
           string_transport_write_closed(x->transport);
}

/* >> ends */
/* Delivers what ends are due on x's side: x's abort, the end of x's writing to y, x's own close.
 * Returns whether anything happened. */
static bool deliver_ends(struct connected_pair *pair, struct side *x, struct side *y) {
    if (over(x) && (over(y) || x->end_sent))
        return false;
    if (!over(x) && string_transport_abort_requested(x->transport)) {
        break_connection(x, REACTOR_ERR_CONNECTION_ABORTED, y, -ECONNRESET);
        return true;
    }
    if (unsent(x) > 0)
        return false; /* ends come after the bytes written before them */
    if (x->drop && x->delivered == x->drop_at && finished_writing(x) && !over(y)) {
        break_connection(x, x->drop_reason, y, x->drop_reason); /* the drop replaces the clean end */
        return true;
    }
    if (!x->end_sent && finished_writing(x) && !over(y)) {
        x->end_sent = true;
        if (over(x) && string_transport_lost_reason(x->transport) != REACTOR_CONNECTION_DONE)
            string_transport_finish(y->transport, -ECONNRESET); /* x did not close cleanly */
        else {
            if (pair->trace != NULL && !string_transport_lose_requested(y->transport) &&
                !string_transport_abort_requested(y->transport))
                pair->trace(pair->trace_arg,
                            y == &pair->sides[0] ? CONNECTED_PAIR_CLIENT : CONNECTED_PAIR_SERVER, NULL, 0, 0);
            string_transport_end_of_input(y->transport); /* y's lose, if it asked, comes below */
        }
        return true;
    }
    if (!over(x) && string_transport_lose_requested(x->transport)) {
        string_transport_finish(x->transport, REACTOR_CONNECTION_DONE);
        return true;
    }
    if (!over(x) && string_transport_write_closed(x->transport) &&
        string_transport_input_ended(x->transport)) {
        string_transport_finish(x->transport, REACTOR_CONNECTION_DONE); /* both directions are done */
        return true;
    }
    return false;
}
/* << ends */

/* >> pump */
int connected_pair_pump(struct connected_pair *pair) {
    struct side *client = &pair->sides[CONNECTED_PAIR_CLIENT], *server = &pair->sides[CONNECTED_PAIR_SERVER];
    for (long round = 0; round < CONNECTED_PAIR_MAX_ROUNDS; round++) {
        bool was_over[2] = {over(client), over(server)};
        bool moved = carry(pair, client, server);
        moved |= carry(pair, server, client);
        moved |= deliver_ends(pair, client, server);
        moved |= deliver_ends(pair, server, client);
        for (int side = 0; side < 2 && pair->trace != NULL; side++)
            if (!was_over[side] && over(&pair->sides[side]))
                pair->trace(pair->trace_arg, (enum connected_pair_side)side, NULL, 0,
                            string_transport_lost_reason(pair->sides[side].transport));
        if (!moved)
            return 0;
    }
    return CONNECTED_PAIR_ERR_NOT_QUIET;
}
/* << pump */
