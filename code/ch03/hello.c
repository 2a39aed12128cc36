/* hello: the reactor's first callbacks.
 *
 * Two functions are handed to reactor_call_when_running before the reactor runs: one greets, one stops
 * the reactor. Neither runs until reactor_run starts the loop; then they run in the order given. */
#include "cli.h"
#include "reactor.h"

#include <stdio.h>
#include <string.h>

static const char *program = "hello";

/* >> hello-callbacks */
static int say_hello(void *arg) {
    (void)arg;
    printf("Hello from the reactor!\n");
    return 0;
}

static int stop_reactor(void *reactor) {
    printf("Stopping the reactor.\n");
    return reactor_stop(reactor);
}
/* << hello-callbacks */

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "--help") != 0)
            cli_fail(EXIT_USAGE, program, "unexpected %s (try --help)", cli_quote(argv[1]));
        printf("usage: hello\n\nRuns a reactor that says hello, then stops.\n");
        return EXIT_ALL_WELL;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* line by line even into a pipe: in order with the trace on stderr */
    /* >> hello-main */
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    reactor_call_when_running(reactor, say_hello, NULL);
    reactor_call_when_running(reactor, stop_reactor, reactor);
    printf("Starting the reactor.\n");
    reactor_run(reactor);
    printf("Reactor stopped.\n");
    /* << hello-main */
    reactor_free(reactor);
    return EXIT_ALL_WELL;
}
