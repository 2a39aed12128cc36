/* A libFuzzer target for the netstring receiver (netstring.h), fed through the memory transport.
 * Control byte 1: the max_length (0: the default 99,999; else 4 times it).
 *
 * The oracle is a second parser (netstring_model.h): the receiver must deliver exactly the netstrings
 * the model finds, in order, and be broken exactly when the model says the stream is. */
#include "fuzz_common.h"
#include "memory_transport.h"
#include "netstring.h"
#include "netstring_model.h"

#include <string.h>

struct fuzz_ns {
    struct netstring_receiver nr;
    const char *stream;
    size_t fed, off;
};

static void on_string(struct netstring_receiver *nr, const char *bytes, size_t len) {
    struct fuzz_ns *f = (struct fuzz_ns *)nr;
    size_t body = 0, want = 0, total = 0;
    FUZZ_CHECK(model_netstring(f->stream + f->off, f->fed - f->off, nr->max_length, &body, &want, &total) ==
               MODEL_WHOLE);
    FUZZ_CHECK(len == want && len <= nr->max_length);
    FUZZ_CHECK(memcmp(f->stream + f->off + body, bytes, len) == 0);
    f->off += total;
}

static const struct netstring_receiver_ops ops = {.string_received = on_string};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2)
        return 0;
    struct fuzz_ns f = {.stream = (const char *)data + 2};
    netstring_receiver_init(&f.nr, &ops);
    if (data[1] != 0)
        f.nr.max_length = (size_t)data[1] * 4;
    struct transport *t = memory_transport_new(&f.nr.protocol);
    if (t == NULL)
        return 0;
    struct pieces p;
    pieces_init(&p, data[0], size - 2);
    for (size_t n; (n = next_piece(&p)) > 0;) {
        size_t at = f.fed;
        f.fed += n;
        if (!memory_transport_deliver(t, f.stream + at, n)) {
            f.fed = at;
            break;
        }
    }
    size_t body = 0, len = 0, total = 0;
    enum model_result rest =
        model_netstring(f.stream + f.off, f.fed - f.off, f.nr.max_length, &body, &len, &total);
    FUZZ_CHECK(rest != MODEL_WHOLE); /* every whole netstring was delivered */
    FUZZ_CHECK((rest == MODEL_BROKEN) == (netstring_receiver_broken(&f.nr) != 0));
    FUZZ_CHECK((rest == MODEL_BROKEN) == (memory_transport_closed(t) == 1)); /* broken: closed */
    memory_transport_finish(t, REACTOR_CONNECTION_DONE);
    return 0;
}
