/* bench.h: what every benchmark program shares — a fixed-seed random generator (the same sequence for
 * every library), a monotonic clock, CPU time, option parsing and the descriptor limit.
 * Header-only: each program is one .c file plus this. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* splitmix64: small, fast, and the same on every machine (rand() is not). */
static uint64_t bench_rng_state = 0x5EED5EED12345678ULL;
static inline uint64_t bench_rand64(void) {
    uint64_t z = (bench_rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
/* A double in [0, 1), 53 random bits. */
static inline double bench_rand01(void) {
    return (double)(bench_rand64() >> 11) * (1.0 / 9007199254740992.0);
}

/* Monotonic wall-clock seconds. */
static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds (user + system) used by the process so far. */
static inline double bench_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Returns the value of --NAME VALUE (or --NAME=VALUE) in argv, or def. Exits 2 on a bad number. */
static inline long bench_opt(int argc, char **argv, const char *name, long def) {
    size_t len = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0)
            continue;
        const char *v = NULL;
        if (a[2 + len] == '=')
            v = a + 3 + len;
        else if (a[2 + len] == '\0' && i + 1 < argc)
            v = argv[i + 1];
        if (v == NULL)
            continue;
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < 0) {
            fprintf(stderr, "%s: bad value for --%s: %s\n", argv[0], name, v);
            exit(2);
        }
        return n;
    }
    return def;
}

/* Raises the soft limit on open descriptors to at least `need` (up to the hard limit). Returns 0, or -1
 * (with a message) if the hard limit is too low. */
static inline int bench_need_fds(long need) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < need) {
        if (rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max < need) {
            fprintf(stderr, "need %ld descriptors, the hard limit is %ld (ulimit -Hn)\n", need, (long)rl.rlim_max);
            return -1;
        }
        rl.rlim_cur = (rlim_t)need;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            return -1;
    }
    return 0;
}

#define BENCH_DIE(...)                                                                                      \
    do {                                                                                                    \
        fprintf(stderr, __VA_ARGS__);                                                                       \
        fputc('\n', stderr);                                                                                \
        exit(1);                                                                                            \
    } while (0)

#endif
