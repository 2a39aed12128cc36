/* cli.c: command-line helpers. See cli.h for the contracts. */
#include "cli.h"

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
