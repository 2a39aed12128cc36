/* transform_protocol.c: the transformation service's server protocol. See transform_protocol.h. */
#include "transform_protocol.h"
#include "transforms.h"
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* >> handle */
int transform_server_handle(struct transform_server *ts, const char *request, size_t len) {
    const char *dot = memchr(request, '.', len);
    int err = TRANSFORM_ERR_UNKNOWN; /* no '.': no transform named */
    char *poem = NULL;
    if (dot != NULL) {
        size_t name_len = (size_t)(dot - request), poem_len = len - name_len - 1;
        poem = malloc(poem_len > 0 ? poem_len : 1);
        err = poem == NULL ? -ENOMEM : transform_apply(request, name_len, dot + 1, poem_len, poem);
        if (ts->log != NULL)
            fprintf(ts->log, "transform %.*s of %zu bytes: %s\n", (int)(name_len < 64 ? name_len : 64),
                    request, poem_len, err == 0 ? "done" : result_strerror(err));
        if (err == 0)
            err = netstring_send_string(&ts->nr, poem, poem_len);
    }
    else if (ts->log != NULL)
        fprintf(ts->log, "malformed request: no '.' after the transform's name\n");
    free(poem);
    ts->result = err;
    netstring_receiver_lose_connection(&ts->nr); /* one request per connection, answered or not */
    return err;
}
/* << handle */

static void on_string(struct netstring_receiver *nr, const char *bytes, size_t len) {
    transform_server_handle((struct transform_server *)nr, bytes, len);
}

static void on_broken(struct netstring_receiver *nr, int reason) {
    struct transform_server *ts = (struct transform_server *)nr;
    ts->result = reason;
    if (ts->log != NULL)
        fprintf(ts->log, "malformed request: %s\n", result_strerror(reason));
    netstring_receiver_lose_connection(nr);
}

static void on_lost(struct netstring_receiver *nr, int reason) {
    struct transform_server *ts = (struct transform_server *)nr;
    if (ts->on_lost != NULL)
        ts->on_lost(ts, reason);
}

static const struct netstring_receiver_ops transform_server_ops = {
    .string_received = on_string, .broken_peer = on_broken, .connection_lost = on_lost};

void transform_server_init(struct transform_server *ts, FILE *log) {
    memset(ts, 0, sizeof *ts);
    netstring_receiver_init(&ts->nr, &transform_server_ops);
    ts->log = log;
    ts->result = TRANSFORM_ERR_UNKNOWN; /* nothing asked yet */
}
