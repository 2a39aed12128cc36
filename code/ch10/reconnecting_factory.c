/* reconnecting_factory.c: connecting again, later each time. See reconnecting_factory.h.
 *
 * The factory is a wrapper: its own factory_ops go to the library, and forward to the owner's after
 * deciding whether to retry — the C counterpart of subclassing ReconnectingClientFactory. */
#include "reconnecting_factory.h"
#include "tcp.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* >> normal-variate */
double reconnecting_factory_normal_variate(reconnecting_factory_random_fn uniform, void *arg, double mu,
                                           double sigma) {
    const double magic = 4 * exp(-0.5) / sqrt(2.0); /* Python's NV_MAGICCONST */
    double z;
    for (;;) {
        double u1 = uniform(arg);
        double u2 = 1.0 - uniform(arg); /* in (0, 1]: log(u2) is finite */
        z = magic * (u1 - 0.5) / u2;
        if (z * z / 4.0 <= -log(u2))
            break;
    }
    return mu + z * sigma;
}
/* << normal-variate */

/* The default generator: SplitMix64 (Steele, Lea and Flood), 53 random bits to a double in [0, 1). */
static double default_random(void *arg) {
    struct reconnecting_factory *rf = arg;
    uint64_t z = (rf->seed += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

void reconnecting_factory_seed(struct reconnecting_factory *rf, unsigned long seed) {
    rf->seed = seed;
}

void reconnecting_factory_set_random(struct reconnecting_factory *rf, reconnecting_factory_random_fn fn,
                                     void *arg) {
    rf->random = fn != NULL ? fn : default_random;
    rf->random_arg = fn != NULL ? arg : rf;
}

static void cancel_pending(struct reconnecting_factory *rf) {
    if (rf->call != NULL) {
        delayed_call_cancel(rf->call); /* an error only if it has run: nothing to undo then */
        delayed_call_release(rf->call);
        rf->call = NULL;
    }
}

/* The delayed call: the time has come to try again. */
static int reconnect(void *arg) {
    struct reconnecting_factory *rf = arg;
    delayed_call_release(rf->call);
    rf->call = NULL;
    int err = rf->connect(rf, rf->connect_arg);
    if (err != 0) { /* no attempt began: a failed attempt, unless the reactor is going away */
        rf->last_error = err;
        if (err != REACTOR_ERR_SHUTTING_DOWN)
            reconnecting_factory_retry(rf);
    }
    return 0;
}

/* >> retry */
int reconnecting_factory_retry(struct reconnecting_factory *rf) {
    int err = 0;
    if (!rf->continue_trying)
        err = RECONNECTING_FACTORY_ERR_STOPPED;
    else if (rf->connect == NULL)
        err = RECONNECTING_FACTORY_ERR_NO_CONNECT;
    else if (rf->max_retries >= 0 && ++rf->retries > rf->max_retries)
        err = RECONNECTING_FACTORY_ERR_MAX_RETRIES;
    if (err != 0)
        return rf->last_error = err;
    if (rf->max_retries < 0)
        rf->retries++;
    rf->delay = fmin(rf->delay * rf->factor, rf->max_delay);
    if (rf->jitter != 0)
        rf->delay = reconnecting_factory_normal_variate(rf->random, rf->random_arg, rf->delay,
                                                        rf->delay * rf->jitter);
    if (!(rf->delay >= 0)) /* a draw below zero (about 1 in 10^16 at Twisted's jitter), or NaN */
        rf->delay = 0;
    cancel_pending(rf);
    rf->last_error = scheduler_call_later(rf->scheduler, rf->delay, reconnect, rf, &rf->call);
    if (rf->last_error != 0)
        rf->call = NULL;
    return rf->last_error;
}
/* << retry */

void reconnecting_factory_reset_delay(struct reconnecting_factory *rf) {
    rf->delay = rf->initial_delay;
    rf->retries = 0;
    rf->continue_trying = true;
    rf->last_error = 0;
}

void reconnecting_factory_stop_trying(struct reconnecting_factory *rf) {
    cancel_pending(rf);
    rf->continue_trying = false;
    if (rf->connector != NULL)
        connector_stop(rf->connector); /* REACTOR_ERR_NOT_CONNECTING once connected: nothing to stop */
}

void reconnecting_factory_clear(struct reconnecting_factory *rf) {
    cancel_pending(rf);
    rf->continue_trying = false;
}

/* After a failed or lost connection: try again, unless the reactor is shutting down. */
static void after_end(struct reconnecting_factory *rf, int reason) {
    rf->connector = NULL; /* the library frees it when our caller returns */
    if (!rf->continue_trying)
        return;
    if (reason == REACTOR_ERR_CONNECTION_LOST) /* the reactor shut down: it would never run the retry */
        rf->last_error = REACTOR_ERR_SHUTTING_DOWN;
    else
        reconnecting_factory_retry(rf);
}

static struct protocol *rf_build(struct factory *f, const struct sockaddr_in *addr) {
    struct reconnecting_factory *rf = (struct reconnecting_factory *)f;
    return rf->ops->build_protocol(f, addr);
}

static void rf_started(struct factory *f, struct connector *c) {
    struct reconnecting_factory *rf = (struct reconnecting_factory *)f;
    rf->connector = c;
    if (rf->ops->started_connecting != NULL)
        rf->ops->started_connecting(f, c);
}

static void rf_failed(struct factory *f, struct connector *c, int reason) {
    struct reconnecting_factory *rf = (struct reconnecting_factory *)f;
    after_end(rf, reason);
    if (rf->ops->client_connection_failed != NULL)
        rf->ops->client_connection_failed(f, c, reason);
}

static void rf_lost(struct factory *f, struct connector *c, int reason) {
    struct reconnecting_factory *rf = (struct reconnecting_factory *)f;
    after_end(rf, reason);
    if (rf->ops->client_connection_lost != NULL)
        rf->ops->client_connection_lost(f, c, reason);
}

static const struct factory_ops reconnecting_ops = {
    .build_protocol = rf_build,
    .started_connecting = rf_started,
    .client_connection_failed = rf_failed,
    .client_connection_lost = rf_lost,
};

static int connect_tcp(struct reconnecting_factory *rf, void *arg) {
    (void)arg;
    return reactor_connect_tcp(rf->reactor, &rf->address, &rf->base, rf->timeout, NULL);
}

int reconnecting_factory_connect_tcp(struct reconnecting_factory *rf, struct reactor *reactor,
                                     const struct sockaddr_in *addr, double timeout_seconds) {
    rf->reactor = reactor;
    rf->address = *addr;
    rf->timeout = timeout_seconds;
    rf->connect = connect_tcp;
    rf->connect_arg = NULL;
    return connect_tcp(rf, NULL);
}

void reconnecting_factory_init(struct reconnecting_factory *rf, const struct factory_ops *ops,
                               struct scheduler *scheduler, reconnecting_factory_connect_fn connect,
                               void *connect_arg) {
    *rf = (struct reconnecting_factory){
        .base = {.ops = &reconnecting_ops},
        .ops = ops,
        .initial_delay = RECONNECTING_FACTORY_INITIAL_DELAY,
        .factor = RECONNECTING_FACTORY_FACTOR,
        .jitter = RECONNECTING_FACTORY_JITTER,
        .max_delay = RECONNECTING_FACTORY_MAX_DELAY,
        .max_retries = -1,
        .delay = RECONNECTING_FACTORY_INITIAL_DELAY,
        .continue_trying = true,
        .scheduler = scheduler,
        .connect = connect,
        .connect_arg = connect_arg,
    };
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    reconnecting_factory_seed(rf, (unsigned long)now.tv_nsec ^ ((unsigned long)now.tv_sec << 20) ^
                                      ((unsigned long)getpid() << 40) ^ (unsigned long)(uintptr_t)rf);
    reconnecting_factory_set_random(rf, NULL, NULL);
}
