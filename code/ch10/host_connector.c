/* host_connector.c: an address, or a name and each of its addresses in turn. See host_connector.h. */
#include "host_connector.h"
#include "deferred.h"
#include "failure.h"
#include "resolver.h"
#include "tcp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

/* >> host-connector-struct */
struct host_connector {
    struct factory factory; /* first: the factory of every attempt's connector; it forwards to `user` */
    struct reactor *reactor;
    struct factory *user;
    double timeout;
    struct deferred *resolving;           /* while the name is resolved: our reference */
    struct resolver_addresses *addresses; /* once it is: the addresses to try */
    size_t next;                          /* the next address to try */
    struct connector *connector;          /* while an attempt connects */
    bool connected;                       /* an attempt connected: no more trying */
    bool stopping;                        /* host_connector_stop: no more trying */
    host_connector_report_fn report;
    void *report_arg;
};
/* << host-connector-struct */

/* The end, without a connection: the factory's last call, then the host connector goes. */
static void give_up(struct host_connector *hc, struct connector *connector, int reason) {
    hc->user->ops->client_connection_failed(hc->user, connector, reason);
    free(hc->addresses);
    free(hc);
}

/* >> try-next */
/* Connects to the next address that will start; returns 0, or the last reason when none is left. */
static int try_next(struct host_connector *hc, int reason) {
    while (hc->addresses != NULL && hc->next < hc->addresses->count) {
        const struct address_any *addr = &hc->addresses->addresses[hc->next++];
        int err = reactor_connect_tcp_any(hc->reactor, addr, &hc->factory, hc->timeout, &hc->connector);
        if (err == 0)
            return 0;
        reason = err; /* no attempt could even begin (no descriptor, ...): the next one may */
        if (hc->report != NULL && hc->next < hc->addresses->count)
            hc->report(hc->report_arg, addr, err, &hc->addresses->addresses[hc->next]);
    }
    return reason;
}

/* An attempt failed: the next address, unless it connected first, or the user gave up. */
static void attempt_failed(struct factory *f, struct connector *connector, int reason) {
    struct host_connector *hc = (struct host_connector *)f;
    hc->connector = NULL;
    bool more = hc->addresses != NULL && hc->next < hc->addresses->count;
    if (hc->connected || hc->stopping || !more) {
        give_up(hc, connector, reason);
        return;
    }
    if (hc->report != NULL)
        hc->report(hc->report_arg, &hc->addresses->addresses[hc->next - 1], reason,
                   &hc->addresses->addresses[hc->next]);
    reason = try_next(hc, reason);
    if (reason != 0)
        give_up(hc, NULL, reason);
}
/* << try-next */

static struct protocol *attempt_connected(struct factory *f, const struct sockaddr_in *addr) {
    struct host_connector *hc = (struct host_connector *)f;
    hc->connected = true;
    return hc->user->ops->build_protocol(hc->user, addr);
}

static void attempt_started(struct factory *f, struct connector *connector) {
    struct host_connector *hc = (struct host_connector *)f;
    if (hc->user->ops->started_connecting != NULL)
        hc->user->ops->started_connecting(hc->user, connector);
}

static void connection_lost(struct factory *f, struct connector *connector, int reason) {
    struct host_connector *hc = (struct host_connector *)f;
    if (hc->user->ops->client_connection_lost != NULL)
        hc->user->ops->client_connection_lost(hc->user, connector, reason);
    free(hc->addresses);
    free(hc);
}

static const struct factory_ops forwarding_ops = {
    .build_protocol = attempt_connected,
    .started_connecting = attempt_started,
    .client_connection_failed = attempt_failed,
    .client_connection_lost = connection_lost,
};

/* >> resolved */
/* On the reactor's thread, once the pool has looked the name up: try its addresses. */
static struct deferred_result resolved(struct deferred_result result, void *arg) {
    struct host_connector *hc = arg;
    hc->addresses = result.value; /* ours now */
    int reason = try_next(hc, 0);
    deferred_unref(hc->resolving); /* safe: the Deferred holds itself while it runs its chain */
    hc->resolving = NULL;
    if (reason != 0)
        give_up(hc, NULL, reason);
    return deferred_none();
}

/* The lookup failed, or host_connector_stop cancelled it. */
static struct deferred_result not_resolved(struct deferred_result result, void *arg) {
    struct host_connector *hc = arg;
    int reason = hc->stopping ? REACTOR_ERR_CONNECT_CANCELLED : failure_code(result.failure);
    deferred_result_free(result);
    deferred_unref(hc->resolving);
    hc->resolving = NULL;
    give_up(hc, NULL, reason);
    return deferred_none();
}
/* << resolved */

int host_connector_start(struct reactor *reactor, const struct address_target *target,
                         struct factory *factory, double timeout_seconds, struct host_connector **out) {
    struct host_connector *hc = calloc(1, sizeof *hc);
    if (hc == NULL)
        return -ENOMEM;
    *hc = (struct host_connector){
        .factory.ops = &forwarding_ops, .reactor = reactor, .user = factory, .timeout = timeout_seconds};
    int err;
    if (!target->is_name) {
        err = reactor_connect_tcp_any(reactor, &target->addr, &hc->factory, timeout_seconds, &hc->connector);
    } else {
        err = resolver_resolve(reactor, target->host, target->port, &hc->resolving);
        if (err == 0) /* the Deferred fires on a later turn: the pool has only just been given the job */
            deferred_add_callbacks(hc->resolving, resolved, hc, not_resolved, hc);
    }
    if (err != 0) {
        free(hc);
        return err;
    }
    if (out != NULL)
        *out = hc;
    return 0;
}

int host_connector_stop(struct host_connector *hc) {
    if (hc->connected)
        return REACTOR_ERR_NOT_CONNECTING;
    hc->stopping = true;
    if (hc->resolving != NULL)
        deferred_cancel(hc->resolving); /* not_resolved runs now, and frees hc */
    else if (hc->connector != NULL)
        connector_stop(hc->connector); /* attempt_failed runs now, and frees hc */
    return 0;
}

void host_connector_set_report(struct host_connector *hc, host_connector_report_fn report, void *arg) {
    hc->report = report;
    hc->report_arg = arg;
}
