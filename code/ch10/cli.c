/* cli.c: command-line helpers. See cli.h for the contracts. */
#include "cli.h"
#include "address.h"
#include "address_any.h"
#include "backend.h"
#include "reactor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void print_line(const char *program, const char *format, va_list args) {
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

void cli_fail(int status, const char *program, const char *format, ...) {
    va_list args;
    va_start(args, format);
    print_line(program, format, args);
    va_end(args);
    exit(status);
}

void cli_warn(const char *program, const char *format, ...) {
    va_list args;
    va_start(args, format);
    print_line(program, format, args);
    va_end(args);
}

int cli_option(int argc, char **argv, int *i, const char *name, const char **value, const char *program) {
    const char *arg = argv[*i];
    size_t name_len = strlen(name);
    if (strncmp(arg, name, name_len) != 0)
        return 0;
    if (arg[name_len] == '=') {
        *value = arg + name_len + 1;
        return 1;
    }
    if (arg[name_len] != '\0')
        return 0; /* "--delays" is not "--delay" */
    if (*i + 1 >= argc)
        cli_fail(EXIT_USAGE, program, "option %s needs a value", name);
    *i += 1;
    *value = argv[*i];
    return 1;
}

int cli_parse_seconds(const char *text, double *out) {
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(value) || value < 0)
        return -1;
    *out = value;
    return 0;
}

int cli_parse_count(const char *text, long max, long *out) {
    if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text))
        return -1;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || value < 1 || value > max)
        return -1;
    *out = value;
    return 0;
}

int cli_parse_size(const char *text, size_t max, size_t *out) {
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 18)
        return -1;
    unsigned long long value = strtoull(text, NULL, 10), unit = 1;
    const char *suffix = text + digits;
    if (suffix[0] != '\0') {
        if (suffix[1] != '\0')
            return -1;
        switch (suffix[0]) {
        case 'K': case 'k': unit = 1ull << 10; break;
        case 'M': case 'm': unit = 1ull << 20; break;
        case 'G': case 'g': unit = 1ull << 30; break;
        default: return -1;
        }
    }
    if (value < 1 || value > max / unit)
        return -1;
    *out = (size_t)(value * unit);
    return 0;
}

/* >> quote-impl */
/* The length of the valid UTF-8 sequence at s that is printable (not a C1 control, U+0080..U+009F),
 * or 0. */
static size_t printable_utf8(const unsigned char *s) {
    size_t len;
    unsigned min;
    unsigned code;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2, min = 0xa0, code = s[0] & 0x1fu; /* 0x80..0x9f, the C1 controls, are not printable */
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3, min = 0x800, code = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4, min = 0x10000, code = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        code = code << 6 | (s[i] & 0x3fu);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return len;
}

#define QUOTE_BUFFERS 4
#define QUOTE_SIZE 512

static const char *quote(const char *text, bool quotes) {
    static char buffers[QUOTE_BUFFERS][QUOTE_SIZE];
    static int next;
    char *out = buffers[next];
    next = (next + 1) % QUOTE_BUFFERS;
    const unsigned char *s = (const unsigned char *)text;
    size_t used = 0, limit = QUOTE_SIZE - 8; /* room for "...", the closing quote and the NUL */
    if (quotes)
        out[used++] = '\'';
    while (*s != '\0') {
        char piece[8];
        size_t len = 1;
        size_t utf8 = *s >= 0x80 ? printable_utf8(s) : 0;
        if (utf8 > 0) {
            memcpy(piece, s, utf8);
            len = utf8;
        } else if (*s == '\n') {
            memcpy(piece, "\\n", len = 2);
        } else if (*s == '\t') {
            memcpy(piece, "\\t", len = 2);
        } else if (*s == '\r') {
            memcpy(piece, "\\r", len = 2);
        } else if (*s == '\\' || (quotes && *s == '\'')) {
            piece[0] = '\\', piece[1] = (char)*s, len = 2;
        } else if (*s < 0x20 || *s >= 0x7f) {
            snprintf(piece, sizeof piece, "\\x%02x", *s);
            len = 4;
        } else {
            piece[0] = (char)*s;
        }
        if (used + len > limit) {
            memcpy(out + used, "...", 3);
            used += 3;
            break;
        }
        memcpy(out + used, piece, len);
        used += len;
        s += utf8 > 0 ? utf8 : 1;
    }
    if (quotes)
        out[used++] = '\'';
    out[used] = '\0';
    return out;
}

const char *cli_quote(const char *text) {
    return quote(text, true);
}
/* << quote-impl */

const char *cli_printable(const char *text) {
    for (const unsigned char *s = (const unsigned char *)text; *s != '\0'; s++)
        if (*s < 0x20 || *s >= 0x7f || *s == '\\')
            return quote(text, false);
    return text;
}

/* >> read-file */
int cli_read_file(const char *path, char **data, size_t *len) {
    int fd = open(path, O_RDONLY | O_NONBLOCK); /* a FIFO would block a plain open() */
    if (fd < 0)
        return errno;
    struct stat st;
    int err = 0;
    if (fstat(fd, &st) != 0)
        err = errno;
    else if (S_ISDIR(st.st_mode))
        err = EISDIR;
    else if (!S_ISREG(st.st_mode))
        err = CLI_ERR_NOT_REGULAR;
    else if ((unsigned long long)st.st_size > CLI_MAX_FILE_SIZE)
        err = CLI_ERR_TOO_LARGE;
    char *buf = NULL;
    size_t used = 0, capacity = err == 0 ? (size_t)st.st_size + 1 : 0; /* + 1: room to see the end */
    if (err == 0 && (buf = malloc(capacity)) == NULL)
        err = ENOMEM;
    while (err == 0) {
        if (used == capacity) { /* the file grew while we read it */
            if (capacity > CLI_MAX_FILE_SIZE) {
                err = CLI_ERR_TOO_LARGE;
                break;
            }
            char *bigger = realloc(buf, capacity * 2);
            if (bigger == NULL) {
                err = ENOMEM;
                break;
            }
            buf = bigger;
            capacity *= 2;
        }
        ssize_t n = read(fd, buf + used, capacity - used);
        if (n == 0)
            break;
        if (n < 0 && errno != EINTR)
            err = errno;
        else if (n > 0)
            used += (size_t)n;
    }
    close(fd);
    if (err == 0 && used > CLI_MAX_FILE_SIZE)
        err = CLI_ERR_TOO_LARGE;
    if (err != 0) {
        free(buf);
        return err;
    }
    *data = buf;
    *len = used;
    return 0;
}
/* << read-file */

const char *cli_file_strerror(int err) {
    if (err == CLI_ERR_NOT_REGULAR)
        return "not a regular file";
    if (err == CLI_ERR_TOO_LARGE)
        return "larger than 64 MiB";
    if (err == EISDIR)
        return "is a directory";
    return strerror(err);
}

int cli_open_standard_fds(void) {
    int stdout_closed = 0;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* open() returns the lowest free descriptor, which is fd itself */
        int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened >= 0 && opened != fd) {
            dup2(opened, fd);
            close(opened);
        }
        if (fd == 1)
            stdout_closed = 1;
    }
    return stdout_closed;
}

void cli_write_stdout(const char *program, const void *bytes, size_t len) {
    if ((len > 0 && fwrite(bytes, 1, len, stdout) != len) || fflush(stdout) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: %s", strerror(errno));
}

void cli_close_stdout(const char *program) {
    if (fclose(stdout) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: %s", strerror(errno));
}

int cli_server_address_option(int argc, char **argv, int *i, struct sockaddr_in *addr, const char *program) {
    const char *value;
    if (cli_option(argc, argv, i, "--port", &value, program)) {
        unsigned short port;
        if (address_parse_port(value, &port) != 0)
            cli_fail(EXIT_USAGE, program, "bad port %s: %s", cli_quote(value), address_strerror(ADDRESS_ERR_PORT));
        addr->sin_port = htons(port);
        return 1;
    }
    if (cli_option(argc, argv, i, "--iface", &value, program)) {
        if (address_parse_host(value, addr) != 0)
            cli_fail(EXIT_USAGE, program, "bad interface %s: %s", cli_quote(value), address_strerror(ADDRESS_ERR_HOST));
        return 1;
    }
    return 0;
}

int cli_server_address_option_any(int argc, char **argv, int *i, struct address_any *addr,
                                  const char *program) {
    const char *value;
    if (cli_option(argc, argv, i, "--port", &value, program)) {
        unsigned short port;
        if (address_parse_port(value, &port) != 0)
            cli_fail(EXIT_USAGE, program, "bad port %s: %s", cli_quote(value),
                     address_strerror(ADDRESS_ERR_PORT));
        address_any_set_port(addr, port);
        return 1;
    }
    if (cli_option(argc, argv, i, "--iface", &value, program)) {
        unsigned short port = address_any_port(addr);
        if (address_parse_iface(value, addr) != 0)
            cli_fail(EXIT_USAGE, program, "bad interface %s: %s", cli_quote(value),
                     address_strerror(ADDRESS_ERR_IFACE));
        address_any_set_port(addr, port);
        return 1;
    }
    return 0;
}

struct reactor *cli_new_reactor(const char *program) {
    struct reactor *reactor;
    int err = reactor_new_on(NULL, &reactor);
    if (err == BACKEND_ERR_UNKNOWN)
        cli_fail(EXIT_USAGE, program, "REACTOR_BACKEND=%s: %s", cli_quote(getenv("REACTOR_BACKEND")),
                 reactor_strerror(err));
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot make the reactor: %s", reactor_strerror(err));
    return reactor;
}
