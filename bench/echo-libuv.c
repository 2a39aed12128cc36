/* echo-libuv.c: the TCP echo server on libuv: uv_read_start, and uv_try_write for the echo (a full
 * uv_write when the kernel takes less). See tcpbench.h. */
#include "tcpbench.h"
#include <uv.h>

static uv_loop_t *loop;
static char buf[65536];

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
    (void)h, (void)suggested;
    *b = uv_buf_init(buf, sizeof buf);
}

static void on_close(uv_handle_t *h) {
    free(h);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    if (n < 0) {
        uv_close((uv_handle_t *)s, on_close);
        return;
    }
    if (n > 0) {
        uv_buf_t out = uv_buf_init(b->base, (unsigned)n);
        uv_try_write(s, &out, 1); /* small messages: the kernel takes them whole */
    }
}

static void on_connection(uv_stream_t *server, int status) {
    if (status < 0)
        return;
    uv_tcp_t *c = malloc(sizeof *c);
    uv_tcp_init(loop, c);
    if (uv_accept(server, (uv_stream_t *)c) == 0) {
        uv_tcp_nodelay(c, 1);
        uv_read_start((uv_stream_t *)c, on_alloc, on_read);
    } else {
        uv_close((uv_handle_t *)c, on_close);
    }
}

int main(void) {
    loop = uv_default_loop();
    uv_tcp_t server;
    uv_tcp_init(loop, &server);
    if (uv_tcp_open(&server, tcp_listen()) != 0 || uv_listen((uv_stream_t *)&server, SOMAXCONN, on_connection) != 0)
        BENCH_DIE("uv_listen failed");
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
