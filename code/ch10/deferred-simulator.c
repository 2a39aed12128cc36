/* deferred-simulator: describe a Deferred's chain stage by stage, fire it, and see which callbacks and
 * errbacks ran and what each received — krondo's deferred-simulator, on this library's Deferreds.
 *
 * Input (stdin, or the file named), one instruction per line; # starts a comment:
 *     stage CALLBACK / ERRBACK    add a stage: a callback and an errback (deferred_add_callbacks)
 *     fire r WORD | fire f WORD   fire the chain with the value WORD, or a failure whose message is WORD;
 *                                 print what happened, then start a new, empty chain
 *     leave                       the next chain gets no last pair that prints its result: the result
 *                                 stays in the Deferred (so a failure is reported as unhandled)
 * where CALLBACK and ERRBACK are each one of
 *     r WORD   return the value WORD
 *     f WORD   fail with the message WORD
 *     p        pass on what it received (a value, or the failure)
 *     d WORD   return a Deferred that has not fired; the simulator fires it with WORD once the chain
 *              has paused on it
 * Exit status: 0, or 2 for a line it cannot read (reported as "deferred-simulator: line N: why"). */
#include "cli.h"
#include "deferred.h"
#include "failure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "deferred-simulator";

/* The failure kind of a simulated failure: the message is what matters here. */
enum { SIMULATED_FAILURE = -20101 };

enum { MAX_STAGES = 64, MAX_WORD = 64 };

struct action {
    char kind; /* 'r', 'f', 'p' or 'd' */
    char word[MAX_WORD];
};

struct stage {
    int number;
    struct action callback, errback;
};

/* A Deferred returned by a 'd' action, waiting for the simulator to fire it. */
static struct deferred *pending;
static char pending_word[MAX_WORD];
static int pending_stage;

/* >> act */
/* What a callback or errback of a stage does: says what it got, then does its action. */
static struct deferred_result act(struct deferred_result got, const struct stage *stage,
                                  const struct action *action) {
    bool failed = got.kind == DEFERRED_FAILURE;
    printf("stage %d: %s got %s %s, ", stage->number, failed ? "errback" : "callback",
           failed ? "failure" : "value", failed ? failure_message(got.failure) : (const char *)got.value);
    switch (action->kind) {
    case 'p':
        printf("passes it on\n");
        return got;
    case 'r':
        printf("returns value %s\n", action->word);
        deferred_result_free(got);
        return deferred_value(strdup(action->word), free);
    case 'f':
        printf("fails with %s\n", action->word);
        deferred_result_free(got);
        return deferred_failure(failure_new(SIMULATED_FAILURE, "%s", action->word));
    default: /* 'd' */
        printf("returns a Deferred\n");
        deferred_result_free(got);
        pending = deferred_new();
        snprintf(pending_word, sizeof pending_word, "%s", action->word);
        pending_stage = stage->number;
        return deferred_wait_for(deferred_ref(pending)); /* we keep a reference, to fire it */
    }
}

static struct deferred_result run_callback(struct deferred_result got, void *arg) {
    const struct stage *stage = arg;
    return act(got, stage, &stage->callback);
}

static struct deferred_result run_errback(struct deferred_result got, void *arg) {
    const struct stage *stage = arg;
    return act(got, stage, &stage->errback);
}

/* The last pair, on both tracks: the chain's result. Handled here, so never "unhandled". */
static struct deferred_result print_result(struct deferred_result got, void *arg) {
    (void)arg;
    if (got.kind == DEFERRED_FAILURE)
        printf("result: failure %s\n", failure_message(got.failure));
    else
        printf("result: value %s\n", (const char *)got.value);
    deferred_result_free(got);
    return deferred_none();
}
/* << act */

/* Reads an action ("r WORD", "f WORD", "p", "d WORD") from *text, moving past it. Returns 0 or -1. */
static int parse_action(char **text, struct action *action) {
    char *kind = strtok_r(NULL, " \t", text);
    if (kind == NULL || strlen(kind) != 1 || strchr("rfpd", kind[0]) == NULL)
        return -1;
    action->kind = kind[0];
    action->word[0] = 0;
    if (kind[0] == 'p')
        return 0;
    char *word = strtok_r(NULL, " \t", text);
    if (word == NULL || strlen(word) >= MAX_WORD || strcmp(word, "/") == 0)
        return -1;
    snprintf(action->word, sizeof action->word, "%s", word);
    return 0;
}

/* >> fire */
/* Builds the chain from the stages, fires it, and fires each Deferred a stage returns once the chain
 * waits on it. */
static void fire(struct stage *stages, int count, char how, const char *word, bool leave) {
    struct deferred *d = deferred_new();
    if (d == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++)
        if (deferred_add_callbacks(d, run_callback, &stages[i], run_errback, &stages[i]) != 0)
            cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    if (!leave)
        deferred_add_both(d, print_result, NULL);
    printf("fire: %s %s\n", how == 'r' ? "value" : "failure", word);
    if (how == 'r')
        deferred_callback(d, strdup(word), free);
    else
        deferred_errback(d, failure_new(SIMULATED_FAILURE, "%s", word));
    while (pending != NULL) { /* the chain has paused on a stage's Deferred: fire it now */
        struct deferred *inner = pending;
        pending = NULL;
        printf("the Deferred of stage %d fires with value %s\n", pending_stage, pending_word);
        deferred_callback(inner, strdup(pending_word), free);
        deferred_unref(inner);
    }
    fflush(stdout); /* what ran comes before a report of what was left unhandled */
    deferred_unref(d);
    printf("\n");
}
/* << fire */

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf(
            "usage: deferred-simulator [FILE]\n"
            "\n"
            "Reads a chain from FILE (or stdin), one line per stage, then fires it:\n"
            "  stage CALLBACK / ERRBACK    each one of: r WORD (return WORD), f WORD (fail with\n"
            "                              WORD), p (pass on what it got), d WORD (return a Deferred\n"
            "                              that fires with WORD once the chain waits on it)\n"
            "  fire r WORD | fire f WORD   fire with a value or a failure; then a new chain begins\n"
            "  leave                       leave the next chain's result in it (a failure is then\n"
            "                              reported as unhandled when the Deferred is freed)\n"
            "Prints what each callback and errback got and did, and the chain's result.\n");
        return EXIT_ALL_WELL;
    }
    if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
        cli_fail(EXIT_USAGE, program, "usage: deferred-simulator [FILE] (try --help)");
    FILE *in = stdin;
    if (argc == 2 && (in = fopen(argv[1], "r")) == NULL)
        cli_fail(EXIT_USAGE, program, "cannot read '%s'", argv[1]);

    struct stage stages[MAX_STAGES];
    int count = 0, line_number = 0;
    bool leave = false;
    char line[512];
    while (fgets(line, sizeof line, in) != NULL) {
        line_number++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = 0;
        line[strcspn(line, "\r\n")] = 0;
        char *rest;
        char *word = strtok_r(line, " \t", &rest);
        if (word == NULL)
            continue;
        if (strcmp(word, "stage") == 0) {
            if (count == MAX_STAGES)
                cli_fail(EXIT_USAGE, program, "line %d: more than %d stages", line_number, MAX_STAGES);
            struct stage *stage = &stages[count];
            stage->number = count + 1;
            char *slash;
            if (parse_action(&rest, &stage->callback) != 0 ||
                (slash = strtok_r(NULL, " \t", &rest)) == NULL || strcmp(slash, "/") != 0 ||
                parse_action(&rest, &stage->errback) != 0 || strtok_r(NULL, " \t", &rest) != NULL)
                cli_fail(EXIT_USAGE, program,
                         "line %d: expected 'stage ACTION / ACTION' (ACTION: r WORD, f WORD, p, d WORD)",
                         line_number);
            count++;
        } else if (strcmp(word, "fire") == 0) {
            char *how = strtok_r(NULL, " \t", &rest), *value = strtok_r(NULL, " \t", &rest);
            if (how == NULL || value == NULL || strtok_r(NULL, " \t", &rest) != NULL ||
                (strcmp(how, "r") != 0 && strcmp(how, "f") != 0) || strlen(value) >= MAX_WORD)
                cli_fail(EXIT_USAGE, program, "line %d: expected 'fire r WORD' or 'fire f WORD'",
                         line_number);
            fflush(stdout); /* so that an unhandled-error report on stderr comes after what led to it */
            fire(stages, count, how[0], value, leave);
            fflush(stdout);
            count = 0;
            leave = false;
        } else if (strcmp(word, "leave") == 0 && strtok_r(NULL, " \t", &rest) == NULL) {
            leave = true;
        } else {
            cli_fail(EXIT_USAGE, program, "line %d: unknown instruction '%s' (stage, fire or leave)",
                     line_number, word);
        }
    }
    if (in != stdin)
        fclose(in);
    if (count > 0)
        cli_fail(EXIT_USAGE, program, "line %d: %d stage%s never fired (end with 'fire r WORD')", line_number,
                 count, count == 1 ? "" : "s");
    return EXIT_ALL_WELL;
}
