/* pick_backend.h: a program's --backend NAME option. */
#ifndef PICK_BACKEND_H
#define PICK_BACKEND_H

#include "reactor.h"

/* Makes the program's reactor, on the backend `--backend NAME` (or `--backend=NAME`) names in argv,
 * else as reactor_new_on(NULL, ...) chooses (REACTOR_BACKEND, else the best). Stores it in *out.
 * Returns 0; 2 for a bad command line (a name this build has no backend for, or --backend without a
 * name), after printing one line on stderr:
 *   PROGRAM: --backend 'NAME': no such backend (this build has: epoll, poll, select)
 * listing this build's backends (backend_names()); 1 if the reactor cannot be made (after a message). */
int pick_backend(int argc, char **argv, struct reactor **out);

#endif
