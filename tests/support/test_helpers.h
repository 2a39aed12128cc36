/* test_helpers.h: small helpers the library tests share (pipes, clocks, sleeping, capturing stderr).
 * The tests that include it run against their own snapshot and every later one, so it uses standard C,
 * POSIX and Check only, never the library's headers. A helper that can fail fails the running test
 * through ck_assert, so callers need not check. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Makes a pipe in fds (fds[0] to read, fds[1] to write), both ends non-blocking; the caller closes it
 * with close_pipe. */
static inline void make_pipe(int fds[2]) {
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
}

/* Closes both ends of a pipe made by make_pipe (or pipe()). */
static inline void close_pipe(int fds[2]) {
    close(fds[0]);
    close(fds[1]);
}

/* Seconds on the monotonic clock, from an arbitrary start: subtract two readings. */
static inline double wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time (user + system) this process has used so far, in seconds. */
static inline double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* Sleeps for seconds (>= 0), the whole time even if a signal interrupts it. */
static inline void sleep_seconds(double seconds) {
    struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* Sends everything written to stderr (fd 2) into a temporary file, from capture_begin to capture_end. */
struct capture {
    FILE *file;
    int saved; /* the real stderr, dup'ed */
};

static inline void capture_begin(struct capture *c) {
    fflush(stderr);
    c->file = tmpfile();
    ck_assert_ptr_nonnull(c->file);
    c->saved = dup(2);
    ck_assert_int_ge(c->saved, 0);
    ck_assert_int_eq(dup2(fileno(c->file), 2), 2);
}

/* Puts stderr back and returns what was written to it since capture_begin, as a string the caller
 * frees. */
static inline char *capture_end(struct capture *c) {
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    long len = ftell(c->file);
    char *text = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
    ck_assert_ptr_nonnull(text);
    rewind(c->file);
    size_t got = len > 0 ? fread(text, 1, (size_t)len, c->file) : 0;
    text[got] = '\0';
    fclose(c->file);
    return text;
}

#endif
