/* logging_backend.h: a backend that logs every call the reactor makes to the backend it wraps. */
#ifndef LOGGING_BACKEND_H
#define LOGGING_BACKEND_H

#include "backend.h"

/* Returns a backend (static: one at a time) that passes every call on to `wrapped` and logs it on stderr:
 * "backend: watch fd FD: read|write|read+write|nothing" for each watch, "backend: wait: N ready" after
 * each successful wait. Make a reactor on it with reactor_new_with. */
const struct backend_ops *logging_backend(const struct backend_ops *wrapped);

#endif
