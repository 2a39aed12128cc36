/* stack: who calls a callback? The reactor does.
 *
 * A callback prints the call stack at the moment it runs: main called reactor_run, and reactor_run
 * (through its own helpers) called us. Our code never calls its own callbacks; it hands them to the
 * reactor and the reactor calls them. That is the picture to keep: the reactor is at the bottom of
 * every stack.
 *
 * backtrace() is a GNU extension (glibc, and the BSDs through libexecinfo). Where it is missing, or to
 * see the same stack more readably (with file names, line numbers and static functions, which
 * backtrace_symbols cannot name), ask a debugger:
 *
 *     gdb -batch -ex 'break print_stack' -ex run -ex bt build/stack
 *
 * The Makefile links this program with -rdynamic, so that backtrace_symbols can name the functions the
 * program exports (reactor_run, print_stack); static ones show up as bare addresses. */
#include "cli.h"
#include "reactor.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<execinfo.h>)
#include <execinfo.h>
#define HAVE_BACKTRACE 1
#endif
#endif

static const char *program = "stack";

/* >> stack */
/* Not static, so that -rdynamic exports its name and the stack below can show it. */
int print_stack(void *reactor) {
#ifdef HAVE_BACKTRACE
    void *frames[64];
    int depth = backtrace(frames, (int)(sizeof frames / sizeof frames[0]));
    printf("The call stack of print_stack, innermost first:\n");
    fflush(stdout); /* backtrace_symbols_fd writes to the fd directly, past stdio's buffer */
    backtrace_symbols_fd(frames, depth, STDOUT_FILENO);
#else
    printf("stack: this system has no backtrace(); try: gdb -batch -ex 'break print_stack' -ex run -ex bt "
           "build/stack\n");
#endif
    return reactor_stop(reactor);
}
/* << stack */

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "--help") != 0)
            cli_fail(EXIT_USAGE, program, "unexpected %s (try --help)", cli_quote(argv[1]));
        printf("usage: stack\n\nPrints the call stack of a callback that the reactor calls.\n");
        return EXIT_ALL_WELL;
    }
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    reactor_call_when_running(reactor, print_stack, reactor);
    reactor_run(reactor);
    reactor_free(reactor);
    return EXIT_ALL_WELL;
}
