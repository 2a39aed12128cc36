/* progress.h: the exercise's interface (do not edit: the test's driver calls it). */
#ifndef PROGRESS_H
#define PROGRESS_H

#include "reactor.h"

/* Counts the primes below `limit` (a slow, blocking computation) without blocking the reactor: the
 * counting runs on another thread. Every tenth of the way it reports report(percent, arg) with percent
 * 10, 20, ..., 100, in that order, and at the end done(count, arg) — all of them on the reactor's
 * thread. Returns 0 at once (before any report), or a negative code if the work could not start. */
int count_primes_off_the_loop(struct reactor *reactor, long limit, void (*report)(int percent, void *arg),
                              void (*done)(long count, void *arg), void *arg);

#endif
