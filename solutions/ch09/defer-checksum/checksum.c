/* checksum.c: a file's checksum as a Deferred, read and hashed on a worker thread of the reactor's pool
 * (thread_pool_defer), so that a file that blocks never blocks the reactor. */
#include "checksum.h"
#include "thread_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

/* On a worker: the path is the job's own copy (the caller's string may be gone by then); freed here,
 * since nothing else needs it once the file is read. */
static struct deferred_result hash_in_thread(void *path) {
    struct deferred_result result = hash_file(path);
    free(path);
    return result;
}

int checksum_file(struct reactor *reactor, const char *path, struct deferred **out) {
    *out = NULL;
    size_t len = strlen(path) + 1;
    char *copy = malloc(len);
    if (copy == NULL)
        return -ENOMEM;
    memcpy(copy, path, len);
    int err = thread_pool_defer(reactor, hash_in_thread, copy, out);
    if (err != 0)
        free(copy);
    return err;
}
