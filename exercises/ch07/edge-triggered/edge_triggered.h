/* edge_triggered.h: an edge-triggered epoll backend (Linux), and a reader that works under it. */
#ifndef EDGE_TRIGGERED_H
#define EDGE_TRIGGERED_H

#include "backend.h"
#include "reactor.h"

#include <stddef.h>

/* An epoll backend that registers every fd with EPOLLET: an fd is reported once each time it turns
 * ready, not on every wait while it stays ready. Make a reactor on it with reactor_new_with. */
const struct backend_ops *edge_triggered_backend(void);

/* A reader that counts the bytes it reads. */
struct counting_reader {
    struct descriptor base;
    size_t bytes;
};

/* do_read for a counting_reader on a non-blocking fd: reads what has arrived, adds it to bytes, and
 * returns 0, REACTOR_CONNECTION_DONE at end of file, or -errno. Under edge triggering it is not told
 * again about input it left unread. */
int counting_reader_do_read(struct descriptor *d);

#endif
