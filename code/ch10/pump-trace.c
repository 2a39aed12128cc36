/* pump-trace: a test's view of a connection pumped by hand (chapter 10).
 *
 * It runs chapter 8's transformation client and server on chapter 10's doubles — two string
 * transports joined in a connected pair, no socket, no reactor loop — pumps them, and prints every
 * piece the pump hands to either side and every end it carries, then the reply. --seed splits each
 * delivery with the chunker (the same seed, the same pieces); --drop breaks the server's side of the
 * connection once that many of its bytes have gone. */
#include "chunker.h"
#include "cli.h"
#include "connected_pair.h"
#include "poem.h"
#include "reactor.h"
#include "transform_client.h"
#include "transform_protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "pump-trace";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: pump-trace [--seed N] [--drop BYTE] TRANSFORM TEXT\n"
            "\n"
            "Asks chapter 8's transformation server for TRANSFORM of TEXT, over chapter 10's connected\n"
            "pair instead of a socket, and prints each delivery the pump makes, then the reply.\n"
            "\n"
            "  --seed N      split every delivery into random pieces, as the chunker does for seed N\n"
            "  --drop BYTE   break the connection once BYTE bytes of the server's reply have gone\n"
            "  --help        print this help and exit\n");
}

/* Prints len bytes as a C string's body: \r, \n, \\, \" and other control bytes escaped. */
static void print_bytes(const char *bytes, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\\' || c == '"')
            printf("\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

/* >> trace */
/* The pump's trace: one line per piece handed over, per end of input, per connection_lost. */
static void trace(void *arg, enum connected_pair_side to, const char *bytes, size_t len, int lost) {
    (void)arg;
    const char *who = to == CONNECTED_PAIR_CLIENT ? "client" : "server";
    if (bytes != NULL) {
        printf("to %s: %2zu bytes  \"", who, len);
        print_bytes(bytes, len);
        printf("\"\n");
    } else if (lost == 0)
        printf("to %s: end of input\n", who);
    else
        printf("%s: connection lost (%s)\n", who, result_strerror(lost));
}
/* << trace */

struct outcome {
    struct poem *reply;
    int reason;
};

static void finished(struct transform_client *tc, struct poem *transformed, int reason) {
    struct outcome *o = tc->arg;
    o->reply = transformed;
    o->reason = reason;
}

static const struct transform_client_ops client_ops = {.finished = finished};

int main(int argc, char **argv) {
    long seed = 0, drop = -1;
    const char *args[2];
    int count = 0;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_option(argc, argv, &i, "--seed", &value, program)) {
            if (cli_parse_count(value, 1L << 30, &seed) != 0)
                cli_fail(EXIT_USAGE, program, "--seed %s: not a number from 1 to 2^30", cli_quote(value));
        } else if (cli_option(argc, argv, &i, "--drop", &value, program)) {
            if (strcmp(value, "0") == 0)
                drop = 0;
            else if (cli_parse_count(value, 1L << 30, &drop) != 0)
                cli_fail(EXIT_USAGE, program, "--drop %s: not a number from 0 to 2^30", cli_quote(value));
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else if (count == 2) {
            cli_fail(EXIT_USAGE, program, "unexpected argument %s (try --help)", cli_quote(argv[i]));
        } else {
            args[count++] = argv[i];
        }
    }
    if (count != 2)
        cli_fail(EXIT_USAGE, program, "needs a transform's name and a text (try --help)");

    /* >> pump-by-hand */
    struct outcome outcome = {.reason = 0};
    struct poem text = {.bytes = (char *)args[1], .len = strlen(args[1])};
    struct transform_client client;
    int err = transform_client_init(&client, args[0], &text, 1 << 20, &client_ops, &outcome);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "transform %s: %s", cli_quote(args[0]), result_strerror(err));
    struct transform_server server;
    transform_server_init(&server, NULL);
    struct connected_pair *pair;
    if (connected_pair_new(&client.nr.protocol, &server.nr.protocol, &pair) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    struct chunker chunker;
    if (seed > 0) {
        chunker_init(&chunker, (uint64_t)seed);
        connected_pair_set_chunker(pair, &chunker);
    }
    if (drop >= 0)
        connected_pair_drop_at(pair, CONNECTED_PAIR_SERVER, (size_t)drop, -ECONNRESET);
    connected_pair_set_trace(pair, trace, NULL);
    err = connected_pair_pump(pair); /* until both sides are quiet */
    /* << pump-by-hand */
    connected_pair_free(pair);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "the pump: %s", result_strerror(err));
    if (outcome.reply == NULL) {
        printf("no reply: %s\n", result_strerror(outcome.reason));
        return EXIT_SOME_FAILED;
    }
    printf("reply: \"");
    print_bytes(outcome.reply->bytes, outcome.reply->len);
    printf("\"\n");
    poem_free(outcome.reply);
    return EXIT_ALL_WELL;
}
