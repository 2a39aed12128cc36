/* reconnecting_factory.h: a client factory that connects again when a connection fails or is lost,
 * waiting longer each time (Twisted's twisted.internet.protocol.ReconnectingClientFactory).
 *
 * The delay starts at initial_delay (1 s) and is multiplied by factor (e) after every failure, up to
 * max_delay (3,600 s); then it is drawn from a normal distribution around that value with standard
 * deviation delay * jitter (0.11962656472), by the same method as Python's random.normalvariate. The
 * jitter is the point: a thousand clients of a server that restarts would otherwise all come back in
 * the same instant, again and again (a thundering herd). max_retries (default: none) bounds the retries;
 * reconnecting_factory_reset_delay (call it once a connection is good) starts over;
 * reconnecting_factory_stop_trying gives up, cancelling a pending retry.
 *
 * Its clock is a scheduler (the reactor's, or a task_clock's in tests), and its random source and the
 * connect itself are injectable, so tests run it on the task clock with a seeded generator and no
 * sockets. A connection lost because the reactor shut down (REACTOR_ERR_CONNECTION_LOST) is never
 * retried: that retry is refused (REACTOR_ERR_SHUTTING_DOWN) and nothing is left scheduled. */
#ifndef RECONNECTING_FACTORY_H
#define RECONNECTING_FACTORY_H

#include "protocol.h"
#include "reactor.h"
#include "result.h"
#include "scheduler.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* Result codes, in the line/netstring/chapter-8 range of the one code space (result.h). */
enum {
    RECONNECTING_FACTORY_ERR_STOPPED = -10621,     /* retry after stop_trying */
    RECONNECTING_FACTORY_ERR_MAX_RETRIES = -10622, /* retry once max_retries retries have been made */
    RECONNECTING_FACTORY_ERR_NO_CONNECT = -10623,  /* retry with no way to connect (no connect function) */
};

/* Twisted's defaults. */
#define RECONNECTING_FACTORY_INITIAL_DELAY 1.0
#define RECONNECTING_FACTORY_FACTOR 2.7182818284590451 /* e */
#define RECONNECTING_FACTORY_JITTER 0.11962656472
#define RECONNECTING_FACTORY_MAX_DELAY 3600.0

struct reconnecting_factory;

/* Starts one connect attempt with factory &rf->base (reactor_connect_tcp's contract). Returns 0, or a
 * negative code if no attempt began (counted as a failed attempt, and retried). */
typedef int (*reconnecting_factory_connect_fn)(struct reconnecting_factory *rf, void *arg);

/* Returns a number uniform in [0, 1), as Python's random.random does. */
typedef double (*reconnecting_factory_random_fn)(void *arg);

/* >> reconnecting-factory-struct */
struct reconnecting_factory {
    struct factory base;           /* first: hand &rf->base to the library */
    const struct factory_ops *ops; /* yours: build_protocol (required); the client hooks are told after
                                     * the retry is scheduled, and may call stop_trying */
    /* Settings (Twisted's names): change them before the first failure, or at any time. */
    double initial_delay, factor, jitter, max_delay;
    long max_retries; /* -1: no limit (Twisted's None) */
    /* State: read it, don't write it. */
    double delay;                /* the last delay used (initial_delay until the first retry) */
    long retries;                /* retries since the last reset */
    bool continue_trying;        /* false after stop_trying */
    int last_error;              /* why the last retry was not scheduled, or 0 */
    struct delayed_call *call;   /* the pending retry, or NULL */
    struct connector *connector; /* the connect under way (reactor_connect_tcp's), or NULL */
    /* The factory's own. */
    struct scheduler *scheduler;
    reconnecting_factory_connect_fn connect;
    void *connect_arg;
    reconnecting_factory_random_fn random;
    void *random_arg;
    uint64_t seed; /* the default generator's state */
    struct reactor *reactor; /* for reconnecting_factory_connect_tcp */
    struct sockaddr_in address;
    double timeout;
};
/* << reconnecting-factory-struct */

/* Readies rf with Twisted's defaults, ops (yours; must outlive rf), the scheduler retries wait on, and
 * the connect function (may be NULL if you use reconnecting_factory_connect_tcp). The random source is
 * the default generator, seeded from the time, the process and rf's address. Allocates nothing. */
void reconnecting_factory_init(struct reconnecting_factory *rf, const struct factory_ops *ops,
                               struct scheduler *scheduler, reconnecting_factory_connect_fn connect,
                               void *connect_arg);

/* Reseeds the default generator: the same seed gives the same delays. */
void reconnecting_factory_seed(struct reconnecting_factory *rf, unsigned long seed);

/* Replaces the random source (fn(arg) uniform in [0, 1)). */
void reconnecting_factory_set_random(struct reconnecting_factory *rf, reconnecting_factory_random_fn fn,
                                     void *arg);

/* Connects to addr through reactor now, and again on every retry (the connect function becomes
 * reactor_connect_tcp's, with timeout_seconds). Returns reactor_connect_tcp's result. */
int reconnecting_factory_connect_tcp(struct reconnecting_factory *rf, struct reactor *reactor,
                                     const struct sockaddr_in *addr, double timeout_seconds);

/* >> reconnecting-factory-api */
/* Schedules the next attempt (Twisted's retry): counts a retry, grows the delay (times factor, at most
 * max_delay), jitters it, and calls the connect function that many seconds from now. Returns 0, or
 * RECONNECTING_FACTORY_ERR_STOPPED, RECONNECTING_FACTORY_ERR_MAX_RETRIES, the scheduler's error; also
 * stored in last_error. A retry already pending is replaced. */
int reconnecting_factory_retry(struct reconnecting_factory *rf);

/* A good connection: the delay and the retry count start over, and trying goes on (Twisted's
 * resetDelay). Call it from connection_made (or once the peer has said something sensible). */
void reconnecting_factory_reset_delay(struct reconnecting_factory *rf);

/* Gives up (Twisted's stopTrying): cancels a pending retry, stops a connect under way (its
 * client_connection_failed runs before this returns), and retries no more. Safe from any callback. */
void reconnecting_factory_stop_trying(struct reconnecting_factory *rf);

/* Cancels a pending retry and releases what rf holds; call it before freeing rf. */
void reconnecting_factory_clear(struct reconnecting_factory *rf);

/* A normal variate with mean mu and standard deviation sigma, from uniform(arg) (Kinderman and
 * Monahan's ratio method, as Python's random.normalvariate, so the same uniforms give the same value). */
double reconnecting_factory_normal_variate(reconnecting_factory_random_fn uniform, void *arg, double mu,
                                           double sigma);
/* << reconnecting-factory-api */

#endif
