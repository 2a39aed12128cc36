/* cli.h: what every program's command line needs: options, numbers, one-line errors, exit codes. */
#ifndef CLI_H
#define CLI_H

#include <netinet/in.h>
#include <stddef.h>

/* >> exit-codes */
/* The exit codes every program in the workbook keeps. */
enum {
    EXIT_ALL_WELL = 0, /* everything went well */
    EXIT_SOME_FAILED = 1, /* a download or a peer failed; the others still finished */
    EXIT_USAGE = 2, /* bad command line: unknown option, bad address or port, unreadable file */
};
/* << exit-codes */

/* Prints "PROGRAM: MESSAGE" and a newline to stderr, then exits with status. */
_Noreturn void cli_fail(int status, const char *program, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints "PROGRAM: MESSAGE" and a newline to stderr, and returns (for errors the program survives). */
void cli_warn(const char *program, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Matches argv[*i] against the long option `name` ("--delay"), written "--delay 0.5" or "--delay=0.5".
 * On a match stores a pointer into argv in *value, moves *i to the option's last word and returns 1;
 * returns 0 when argv[*i] is something else. A matching option with no value exits with EXIT_USAGE. */
int cli_option(int argc, char **argv, int *i, const char *name, const char **value, const char *program);

/* Matches the servers' address options: "--port PORT" (0 to 65535) sets addr->sin_port, "--iface ADDR"
 * (dotted IPv4) sets addr->sin_addr. Returns 1 on a match, 0 when argv[*i] is something else; a bad
 * value exits with EXIT_USAGE and a one-line error naming it. */
int cli_server_address_option(int argc, char **argv, int *i, struct sockaddr_in *addr, const char *program);

/* Chapter 9: the same for an address of either family: "--port PORT" sets the port of *addr, "--iface
 * ADDR" (a dotted IPv4 address, or an IPv6 one such as ::1) its address, keeping the port. */
struct address_any;
int cli_server_address_option_any(int argc, char **argv, int *i, struct address_any *addr,
                                  const char *program);

/* Parses a finite, non-negative number of seconds ("0.7", "2"). Returns 0, or -1 leaving *out alone. */
int cli_parse_seconds(const char *text, double *out);

/* Parses a whole number from 1 to max. Returns 0, or -1 leaving *out alone. */
int cli_parse_count(const char *text, long max, long *out);

/* Parses a size in bytes from 1 to max: digits, optionally followed by K, M or G (KiB, MiB, GiB:
 * "65536", "64K", "64M"). Returns 0, or -1 leaving *out alone. */
int cli_parse_size(const char *text, size_t max, size_t *out);

/* The longest delay a server sleeps between two sends: a day. A longer one is a usage error, since
 * sleep() cannot take every number a double can hold. */
#define CLI_MAX_DELAY_SECONDS 86400.0

/* >> quote */
/* text as it may appear in a one-line message: in single quotes, with every byte that could break
 * the line or reach the terminal as a command (control characters, invalid UTF-8) written as a C
 * escape ("\n", "\x1b"), and cut with "..." if it is very long. Messages that print an argument use
 * this, so that an argument cannot add a line or steer the terminal. The result lives in one of a few
 * static buffers, reused in turn: use it at once (several in one message are fine; not thread-safe). */
const char *cli_quote(const char *text);
/* << quote */

/* The same, without the quotes (for a path in a line such as "Serving POEM on port PORT."): text
 * itself whenever it has nothing to escape. */
const char *cli_printable(const char *text);

/* What cli_read_file returns beyond errno values. */
enum {
    CLI_ERR_NOT_REGULAR = -1, /* not a regular file: a FIFO, a device, a socket */
    CLI_ERR_TOO_LARGE = -2,   /* larger than CLI_MAX_FILE_SIZE */
};

/* The largest file cli_read_file reads: 64 MiB. */
#define CLI_MAX_FILE_SIZE ((size_t)64 << 20)

/* Reads the whole regular file at path into a new buffer (*data, which the caller frees; *len bytes).
 * Opens without blocking (a FIFO would block open() until a writer comes) and checks with fstat
 * before reading a byte, so a FIFO, a device such as /dev/zero or a directory is refused at once.
 * Returns 0, an errno value (ENOENT, EACCES, EISDIR, ENOMEM, EIO, ...), CLI_ERR_NOT_REGULAR or
 * CLI_ERR_TOO_LARGE. cli_file_strerror names any of them. */
int cli_read_file(const char *path, char **data, size_t *len);

/* A description of what cli_read_file returned: strerror's, or "not a regular file", or "larger
 * than 64 MiB". */
const char *cli_file_strerror(int err);

/* >> standard-fds */
/* Makes sure descriptors 0, 1 and 2 are open, reopening any that is closed on /dev/null, so that the
 * first socket a program opens can never become its stdout. Call it first thing in main. Returns 1
 * if stdout was closed (a program that writes results there should then fail: they would be lost),
 * else 0. */
int cli_open_standard_fds(void);

/* Writes len bytes to stdout and flushes them. If that fails (a full disk, a reader that has gone
 * with SIGPIPE ignored), prints "PROGRAM: cannot write to stdout: why" and exits with
 * EXIT_SOME_FAILED: output that is lost must never look like success. */
void cli_write_stdout(const char *program, const void *bytes, size_t len);

/* Closes stdout, checking that everything written has really gone out (the last chance to see a
 * write error); on failure prints "PROGRAM: cannot write to stdout: why" and exits with
 * EXIT_SOME_FAILED. Call it before returning success from main. */
void cli_close_stdout(const char *program);
/* << standard-fds */

/* >> new-reactor */
struct reactor;
/* Makes the program's reactor with reactor_new_on(NULL, ...): on the backend REACTOR_BACKEND names, else
 * the best. Exits instead of returning NULL: EXIT_USAGE with "PROGRAM: REACTOR_BACKEND='NAME': no such
 * backend ..." for a name this build lacks, else EXIT_SOME_FAILED with "cannot make the reactor: WHY".
 * The caller frees the reactor with reactor_free. */
struct reactor *cli_new_reactor(const char *program);
/* << new-reactor */

#endif
