/* failing-callback: a callback fails, and the reactor goes on.
 *
 * The first callback tries to open a poem that is not there and returns the error. The reactor reports
 * it on stderr ("reactor: open_missing_poem failed: ...") and runs the next callback anyway, which
 * stops the reactor. One failing callback must not take the whole loop down with it: the reactor
 * serves everyone, and the others are not to blame. (krondo's Python version raises an exception.)
 *
 * Exit status 0: the failure was reported and the reactor survived it, which is the point. */
#include "cli.h"
#include "reactor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *program = "failing-callback";

/* >> failing-callback */
static int open_missing_poem(void *arg) {
    (void)arg;
    printf("Opening a poem that is not there...\n");
    fflush(stdout); /* so that this line comes before the reactor's report, even through a pipe */
    int fd = open("/nonexistent/poem.txt", O_RDONLY);
    if (fd < 0)
        return -errno; /* the reactor reports this and carries on */
    close(fd);
    return 0;
}

static int carry_on(void *reactor) {
    printf("Still running after the failure. Stopping the reactor.\n");
    return reactor_stop(reactor);
}
/* << failing-callback */

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "--help") != 0)
            cli_fail(EXIT_USAGE, program, "unexpected %s (try --help)", cli_quote(argv[1]));
        printf("usage: failing-callback\n\n"
               "Runs two callbacks: the first fails and the reactor reports it on stderr; the second\n"
               "still runs and stops the reactor.\n");
        return EXIT_ALL_WELL;
    }
    /* >> failing-main */
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    reactor_call_when_running(reactor, open_missing_poem, NULL);
    reactor_call_when_running(reactor, carry_on, reactor);
    reactor_run(reactor);
    printf("Reactor stopped.\n");
    /* << failing-main */
    reactor_free(reactor);
    return EXIT_ALL_WELL;
}
