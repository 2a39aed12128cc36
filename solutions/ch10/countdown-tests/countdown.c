/* countdown.c: the countdown service. See countdown.h. (Given: don't edit it; test it.) */
#include "countdown.h"
#include "scheduler.h"
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>

struct countdown {
    struct protocol protocol; /* first */
    struct countdown_server *server;
    int next;                  /* the number to say next; 0: liftoff */
    struct delayed_call *tick; /* the next line, while pending */
};

static int say_next(void *arg);

static void say(struct countdown *c) {
    char line[16];
    int n = c->next > 0 ? snprintf(line, sizeof line, "%d\r\n", c->next)
                        : snprintf(line, sizeof line, "liftoff\r\n");
    transport_write(c->protocol.transport, line, (size_t)n);
    if (c->next == 0) {
        c->server->lifted_off++;
        transport_lose_connection(c->protocol.transport);
        return;
    }
    c->next--;
    if (reactor_call_later(c->server->reactor, 1.0, say_next, c, &c->tick) != 0)
        transport_abort_connection(c->protocol.transport);
}

static int say_next(void *arg) {
    struct countdown *c = arg;
    delayed_call_release(c->tick);
    c->tick = NULL;
    say(c);
    return 0;
}

static void countdown_made(struct protocol *p, struct transport *t) {
    (void)t;
    struct countdown *c = (struct countdown *)p;
    c->server->active++;
    say(c);
}

static void countdown_lost(struct protocol *p, int reason) {
    (void)reason;
    struct countdown *c = (struct countdown *)p;
    if (c->tick != NULL) { /* left early: no line for nobody */
        delayed_call_cancel(c->tick);
        delayed_call_release(c->tick);
    }
    c->server->active--;
    free(c);
}

static const struct protocol_ops countdown_ops = {.connection_made = countdown_made,
                                                  .connection_lost = countdown_lost};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct countdown_server *server = (struct countdown_server *)f;
    struct countdown *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->protocol.ops = &countdown_ops;
    c->server = server;
    c->next = server->from;
    return &c->protocol;
}

static const struct factory_ops countdown_factory_ops = {.build_protocol = build};

void countdown_server_init(struct countdown_server *server, struct reactor *reactor, int from) {
    *server =
        (struct countdown_server){.factory.ops = &countdown_factory_ops, .reactor = reactor, .from = from};
}
