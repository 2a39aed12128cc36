/* cli.c: command-line helpers. See cli.h for the contracts. */
#include "cli.h"
#include "address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int cli_server_address_option(int argc, char **argv, int *i, struct sockaddr_in *addr, const char *program) {
    const char *value;
    if (cli_option(argc, argv, i, "--port", &value, program)) {
        unsigned short port;
        if (address_parse_port(value, &port) != 0)
            cli_fail(EXIT_USAGE, program, "bad port '%s': %s", value, address_strerror(ADDRESS_ERR_PORT));
        addr->sin_port = htons(port);
        return 1;
    }
    if (cli_option(argc, argv, i, "--iface", &value, program)) {
        if (address_parse_host(value, addr) != 0)
            cli_fail(EXIT_USAGE, program, "bad interface '%s': %s", value, address_strerror(ADDRESS_ERR_HOST));
        return 1;
    }
    return 0;
}

int cli_read_file(const char *path, char **data, size_t *len) {
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return errno;
    char *buf = NULL;
    size_t used = 0, capacity = 0;
    for (;;) {
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 4096;
            char *bigger = realloc(buf, capacity);
            if (bigger == NULL) {
                free(buf);
                fclose(file);
                return ENOMEM;
            }
            buf = bigger;
        }
        size_t n = fread(buf + used, 1, capacity - used, file);
        used += n;
        if (n == 0)
            break;
    }
    int err = ferror(file) ? EIO : 0;
    fclose(file);
    if (err != 0) {
        free(buf);
        return err;
    }
    *data = buf;
    *len = used;
    return 0;
}
