/* checksum.c: a file's checksum as a Deferred. As given, the file is read right here, on the reactor's
 * thread, and the Deferred is fired before checksum_file returns: a file that blocks (a FIFO with no
 * writer yet, a disk that does not answer) blocks the whole reactor. See README.md. */
#include "checksum.h"
#include "thread_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Reads the file and hashes it: a value (a malloc'd uint64_t) or a failure with -errno. */
static struct deferred_result hash_file(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return deferred_error(-errno);
    unsigned long long hash = CHECKSUM_FNV_START;
    unsigned char buf[4096];
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int err = errno;
            close(fd);
            return deferred_error(-err);
        }
        if (got == 0)
            break;
        hash = checksum_fnv1a(hash, buf, (size_t)got);
    }
    close(fd);
    uint64_t *value = malloc(sizeof *value);
    if (value == NULL)
        return deferred_error(-ENOMEM);
    *value = hash;
    return deferred_value(value, free);
}

int checksum_file(struct reactor *reactor, const char *path, struct deferred **out) {
    (void)reactor;
    /* TODO: run hash_file on a worker thread with thread_pool_defer. Its work function takes a
     * void *: what must the path be, so that it is still there when the worker gets to it? */
    *out = deferred_new();
    if (*out == NULL)
        return -ENOMEM;
    deferred_fire(*out, hash_file(path));
    return 0;
}
