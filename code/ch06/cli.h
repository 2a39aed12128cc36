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

/* Reads the whole file at path into a new buffer (*data, which the caller frees; *len bytes).
 * Returns 0 or an errno value (ENOENT, EACCES, ENOMEM, EIO, ...). */
int cli_read_file(const char *path, char **data, size_t *len);

/* Parses a finite, non-negative number of seconds ("0.7", "2"). Returns 0, or -1 leaving *out alone. */
int cli_parse_seconds(const char *text, double *out);

/* Parses a whole number from 1 to max. Returns 0, or -1 leaving *out alone. */
int cli_parse_count(const char *text, long max, long *out);

#endif
