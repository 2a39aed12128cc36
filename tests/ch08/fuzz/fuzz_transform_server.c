/* A libFuzzer target for the transformation server's request handling (transform_protocol.h) on the
 * netstring receiver, fed through the memory transport. Control byte 1 is unused.
 *
 * The oracle: if the stream begins with a whole netstring `NAME.POEM` naming a transform that works,
 * the server wrote exactly one netstring, the transformed poem, and closed; if it begins with anything
 * else that is whole or broken, the server wrote nothing and closed; if it is still incomplete, the
 * server wrote nothing and waits. */
#include "fuzz_common.h"
#include "memory_transport.h"
#include "netstring_model.h"
#include "transform_protocol.h"
#include "transforms.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2)
        return 0;
    const char *stream = (const char *)data + 2;
    size_t fed = 0;
    struct transform_server ts;
    transform_server_init(&ts, NULL);
    struct transport *t = memory_transport_new(&ts.nr.protocol);
    if (t == NULL)
        return 0;
    struct pieces p;
    pieces_init(&p, data[0], size - 2);
    for (size_t n; (n = next_piece(&p)) > 0;) {
        if (!memory_transport_deliver(t, stream + fed, n))
            break;
        fed += n;
    }
    size_t written_len;
    const char *written = memory_transport_written(t, &written_len);
    size_t body = 0, len = 0, total = 0;
    enum model_result first = model_netstring(stream, fed, NETSTRING_DEFAULT_MAX_LENGTH, &body, &len, &total);
    if (first == MODEL_INCOMPLETE) {
        FUZZ_CHECK(written_len == 0 && memory_transport_closed(t) == 0);
    } else {
        FUZZ_CHECK(memory_transport_closed(t) == 1);
        const char *request = stream + body;
        const char *dot = first == MODEL_WHOLE ? memchr(request, '.', len) : NULL;
        char *poem = malloc(len + 1);
        FUZZ_CHECK(poem != NULL);
        int err = dot == NULL ? TRANSFORM_ERR_UNKNOWN
                              : transform_apply(request, (size_t)(dot - request), dot + 1,
                                                len - (size_t)(dot - request) - 1, poem);
        if (err != 0) {
            FUZZ_CHECK(written_len == 0);
        } else {
            size_t poem_len = len - (size_t)(dot - request) - 1;
            char *framed = malloc(poem_len + 32);
            FUZZ_CHECK(framed != NULL);
            size_t framed_len = netstring_format(poem, poem_len, framed, poem_len + 32);
            FUZZ_CHECK(written_len == framed_len && memcmp(written, framed, framed_len) == 0);
            free(framed);
        }
        free(poem);
    }
    memory_transport_finish(t, REACTOR_CONNECTION_DONE);
    return 0;
}
