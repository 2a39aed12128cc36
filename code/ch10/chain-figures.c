/* chain-figures: draws the book's Deferred figures from real Deferreds.
 *
 * Each figure is a small chain built with this chapter's library, traced (deferred_trace), fired one
 * way or another, and written out with deferred_dump_dot — so what the book shows is what the code
 * does. `chain-figures DIR` writes DIR/ch06-*.dot (make outputs runs it into figures/). */
#include "cli.h"
#include "deferred.h"
#include "failure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "chain-figures";

enum { POETRY_TRANSFORM_FAILED = -20004 }; /* as get-poetry.c's */

/* Values here are static strings: describe shows them in quotes. */
static void describe_text(const void *value, char *text, size_t size) {
    snprintf(text, size, "\"%s\"", (const char *)value);
}

/* ---- Stand-ins for the poetry client's callbacks, with its names ---- */
static struct deferred_result got_poem(struct deferred_result r, void *arg) {
    (void)arg;
    return r;
}
static struct deferred_result cummingsify(struct deferred_result r, void *arg) {
    bool fails = *(bool *)arg;
    if (fails) {
        deferred_result_free(r);
        return deferred_failure(failure_new(POETRY_TRANSFORM_FAILED, "cummingsify failed"));
    }
    return deferred_value("a poem, lowercased", NULL);
}
static struct deferred_result keep_original(struct deferred_result r, void *arg) {
    (void)arg;
    if (!failure_check(r.failure, POETRY_TRANSFORM_FAILED))
        return r; /* not the transform's failure: pass it on (Twisted's trap) */
    deferred_result_free(r);
    return deferred_value("the original poem", NULL);
}
static struct deferred_result poem_ready(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_result_free(r);
    return deferred_none();
}
static struct deferred_result poem_failed(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_result_free(r);
    return deferred_none();
}
static struct deferred_result task_ended(struct deferred_result r, void *arg) {
    (void)arg;
    return r;
}
static struct deferred_result wait_for_inner(struct deferred_result r, void *arg) {
    deferred_result_free(r);
    return deferred_wait_for(deferred_ref(arg));
}

/* Writes d's drawing to DIR/NAME.dot. */
static void write_figure(const char *dir, const char *name, struct deferred *d) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.dot", dir, name);
    FILE *out = fopen(path, "w");
    if (out == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write '%s': %s", path, strerror(errno));
    if (deferred_dump_dot(d, name, out) != 0 || fclose(out) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write '%s'", path);
}

static struct deferred *traced(void) {
    struct deferred *d = deferred_new();
    if (d == NULL || deferred_trace(d, describe_text) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    return d;
}

/* >> client-chain */
/* The poetry client's chain, with the transform done in place (so that one drawing shows it all). */
static struct deferred *client_chain(bool *transform_fails) {
    struct deferred *d = traced();
    deferred_add_callback(d, got_poem, NULL);
    deferred_add_callbacks(d, cummingsify, transform_fails, NULL, NULL);
    deferred_add_errback(d, keep_original, NULL);
    deferred_add_callbacks(d, poem_ready, NULL, poem_failed, NULL);
    deferred_add_both(d, task_ended, NULL);
    return d;
}
/* << client-chain */

int main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                "usage: chain-figures DIR\n\nWrites the book's Deferred figures, DIR/ch06-*.dot, from real "
                "Deferreds.\n");
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? EXIT_ALL_WELL : EXIT_USAGE;
    }
    const char *dir = argv[1];

    /* Every firing path of the client's chain: the poem arrives and the transform works; it arrives
     * and the transform fails; it never arrives. */
    static bool works = false, fails = true;
    struct deferred *d = client_chain(&works);
    deferred_callback(d, "a poem", NULL);
    write_figure(dir, "ch06-path-transformed", d);
    deferred_unref(d);

    d = client_chain(&fails);
    deferred_callback(d, "a poem", NULL);
    write_figure(dir, "ch06-path-fallback", d);
    deferred_unref(d);

    d = client_chain(&works);
    deferred_errback(d, failure_from_code(-ECONNREFUSED));
    write_figure(dir, "ch06-path-failed", d);
    deferred_unref(d);

    /* Not fired yet: the two tracks, and nothing on them. */
    d = client_chain(&works);
    write_figure(dir, "ch06-unfired", d);
    deferred_unref(d);

    /* Chaining: the outer's callback returns the inner, which fires later. Drawn while the outer
     * waits, then both once the inner has fired. */
    struct deferred *outer = traced(), *inner = traced();
    deferred_add_callback(outer, got_poem, NULL);
    deferred_add_callback(outer, wait_for_inner, inner);
    deferred_add_callback(outer, poem_ready, NULL);
    deferred_add_callback(inner, cummingsify, &works);
    deferred_callback(outer, "a poem", NULL);
    write_figure(dir, "ch06-outer-waiting", outer);
    deferred_callback(inner, "the poem, sent to a transform", NULL);
    write_figure(dir, "ch06-outer-done", outer);
    write_figure(dir, "ch06-inner-done", inner);
    deferred_unref(inner);
    deferred_unref(outer);
    return EXIT_ALL_WELL;
}
