/* transform_protocol.h: the server side of the poetry transformation service, as a protocol on the
 * netstring receiver (the Twisted Introduction's part 12, TransformProtocol).
 *
 * The request is one netstring `NAME.POEM` (the name ends at the first '.'); the reply is one
 * netstring with the transformed poem, after which the server closes. An unknown transform, a
 * malformed request or a transform that fails: the server closes with no reply. A clean close is
 * unambiguous here because the reply is framed: no reply means no poem. */
#ifndef TRANSFORM_PROTOCOL_H
#define TRANSFORM_PROTOCOL_H

#include "netstring.h"

#include <stdio.h>

struct transform_server {
    struct netstring_receiver nr; /* first */
    FILE *log;                    /* where to say what was asked and answered (NULL: nowhere) */
    int result;                   /* 0 once answered, else why not (TRANSFORM_ERR_*, NETSTRING_ERR_*) */
    void (*on_lost)(struct transform_server *ts, int reason); /* told last; may free ts */
};

/* Readies ts (as netstring_receiver_init does); hand &ts->nr.protocol to the library. */
void transform_server_init(struct transform_server *ts, FILE *log);

/* Handles one request's body (name '.' poem): replies through the transport and loses the connection.
 * Returns 0 if it replied, or why not. Exposed for tests and the fuzzer. */
int transform_server_handle(struct transform_server *ts, const char *request, size_t len);

#endif
