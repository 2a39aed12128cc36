/* do-nothing: a reactor with nothing to do.
 *
 * It makes a reactor and runs it. Nothing is registered and nothing will ever stop it, so it waits
 * forever; but it waits inside select(), asleep, using no CPU at all. Stop it with Ctrl-C. (krondo's
 * first reactor program does exactly this.) */
#include "cli.h"
#include "reactor.h"

#include <stdio.h>
#include <string.h>

static const char *program = "do-nothing";

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "--help") != 0)
            cli_fail(EXIT_USAGE, program, "unexpected %s (try --help)", cli_quote(argv[1]));
        printf("usage: do-nothing\n"
               "\n"
               "Runs a reactor with nothing to do: it sleeps until killed (Ctrl-C), using no CPU.\n"
               "Set REACTOR_TRACE=1 to watch it wait.\n");
        return EXIT_ALL_WELL;
    }
    /* >> do-nothing */
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    fprintf(stderr, "do-nothing: running a reactor with nothing to do; Ctrl-C stops it\n");
    reactor_run(reactor); /* never returns: nobody calls reactor_stop */
    /* << do-nothing */
    reactor_free(reactor);
    return EXIT_ALL_WELL;
}
