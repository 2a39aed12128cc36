/* resolver.c: name lookups in the thread pool. See resolver.h for the contracts. */
#include "resolver.h"
#include "failure.h"
#include "thread_pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct resolver_addresses *resolver_addresses_new(size_t count) {
    struct resolver_addresses *list = calloc(1, sizeof *list + count * sizeof list->addresses[0]);
    if (list != NULL)
        list->count = count;
    return list;
}

/* >> getaddrinfo */
/* getaddrinfo's codes in the resolver's range. */
static int from_gai(int gai) {
    switch (gai) {
    case EAI_NONAME:
        return RESOLVER_ERR_NOT_FOUND;
    case EAI_AGAIN:
        return RESOLVER_ERR_AGAIN;
    case EAI_MEMORY:
        return -ENOMEM;
    case EAI_SYSTEM:
        return errno != 0 ? -errno : RESOLVER_ERR_FAILED;
    default:
        return RESOLVER_ERR_FAILED;
    }
}

int resolver_getaddrinfo(void *context, const char *host, unsigned short port,
                         struct resolver_addresses **out) {
    (void)context;
    /* Any family; one entry per address (SOCK_STREAM); no AI_ADDRCONFIG, which drops ::1 on a host
     * whose only IPv6 address is loopback. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found;
    errno = 0;
    int gai = getaddrinfo(host, NULL, &hints, &found);
    if (gai != 0)
        return from_gai(gai);
    size_t count = 0;
    for (struct addrinfo *ai = found; ai != NULL; ai = ai->ai_next)
        count += ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
    struct resolver_addresses *list = count > 0 ? resolver_addresses_new(count) : NULL;
    if (list != NULL) {
        size_t i = 0;
        for (struct addrinfo *ai = found; ai != NULL; ai = ai->ai_next) {
            if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
                continue;
            struct address_any *addr = &list->addresses[i++];
            memcpy(&addr->u, ai->ai_addr, ai->ai_addrlen); /* a sockaddr_in or sockaddr_in6: it fits */
            addr->len = ai->ai_addrlen;
            address_any_set_port(addr, port);
        }
    }
    freeaddrinfo(found);
    if (count == 0)
        return RESOLVER_ERR_NO_ADDRESS;
    if (list == NULL)
        return -ENOMEM;
    *out = list;
    return 0;
}
/* << getaddrinfo */

/* Appends addr to *list (which grows). Returns 0 or -ENOMEM. */
static int append(struct resolver_addresses **list, size_t *room, const struct address_any *addr) {
    if (*list == NULL || (*list)->count == *room) {
        size_t bigger = *room ? *room * 2 : 4;
        struct resolver_addresses *grown =
            realloc(*list, sizeof **list + bigger * sizeof(*list)->addresses[0]);
        if (grown == NULL)
            return -ENOMEM;
        if (*list == NULL)
            grown->count = 0;
        *list = grown;
        *room = bigger;
    }
    (*list)->addresses[(*list)->count++] = *addr;
    return 0;
}

int resolver_hosts_file(void *context, const char *host, unsigned short port,
                        struct resolver_addresses **out) {
    FILE *file = fopen((const char *)context, "r");
    if (file == NULL)
        return RESOLVER_ERR_HOSTS_FILE;
    size_t host_len = strlen(host);
    if (host_len > 0 && host[host_len - 1] == '.')
        host_len--; /* "localhost." is "localhost" */
    struct resolver_addresses *list = NULL;
    size_t room = 0;
    char *line = NULL;
    size_t size = 0;
    int err = 0;
    while (err == 0 && getline(&line, &size, file) >= 0) {
        line[strcspn(line, "#\n")] = '\0';
        char *save, *word = strtok_r(line, " \t", &save);
        struct address_any addr = {0};
        if (word == NULL)
            continue;
        if (inet_pton(AF_INET, word, &addr.u.v4.sin_addr) == 1) {
            addr.u.v4.sin_family = AF_INET;
            addr.len = sizeof addr.u.v4;
        } else if (inet_pton(AF_INET6, word, &addr.u.v6.sin6_addr) == 1) {
            addr.u.v6.sin6_family = AF_INET6;
            addr.len = sizeof addr.u.v6;
        } else {
            continue; /* not an address we can use (a scope id, a typo) */
        }
        address_any_set_port(&addr, port);
        while (err == 0 && (word = strtok_r(NULL, " \t", &save)) != NULL)
            if (strlen(word) == host_len && strncasecmp(word, host, host_len) == 0) {
                err = append(&list, &room, &addr);
                break; /* the same address once per line */
            }
    }
    if (err == 0 && ferror(file))
        err = RESOLVER_ERR_HOSTS_FILE;
    free(line);
    fclose(file);
    if (err == 0 && list == NULL)
        err = RESOLVER_ERR_NOT_FOUND;
    if (err != 0) {
        free(list);
        return err;
    }
    *out = list;
    return 0;
}

/* The installed resolver: read and written on the reactor's thread only. */
static resolver_fn installed = resolver_getaddrinfo;
static void *installed_context;

void resolver_install(resolver_fn fn, void *context) {
    installed = fn != NULL ? fn : resolver_getaddrinfo;
    installed_context = fn != NULL ? context : NULL;
}

int resolver_install_from_environment(void) {
    const char *path = getenv("RESOLVER_HOSTS_FILE");
    if (path == NULL)
        return 0;
    resolver_install(resolver_hosts_file, (void *)path);
    return 1;
}

/* >> resolve-job */
/* One lookup: what the pool thread needs, copied, so that it shares nothing with the reactor's thread. */
struct resolve_job {
    resolver_fn fn;
    void *context;
    unsigned short port;
    char host[]; /* a copy */
};

/* On a pool thread: the blocking part. The job is the work's, and ends here. */
static struct deferred_result resolve_work(void *arg) {
    struct resolve_job *job = arg;
    struct resolver_addresses *list = NULL;
    int err = job->fn(job->context, job->host, job->port, &list);
    if (err == 0 && (list == NULL || list->count == 0)) {
        free(list);
        err = RESOLVER_ERR_NO_ADDRESS; /* a resolver that found nothing, yet said it did */
    }
    struct deferred_result result;
    if (err != 0)
        result = deferred_failure(failure_new(err, "cannot resolve %s: %s", job->host, result_strerror(err)));
    else
        result = deferred_value(list, free);
    free(job);
    return result;
}

int resolver_resolve(struct reactor *r, const char *host, unsigned short port, struct deferred **out) {
    size_t len = strlen(host);
    struct resolve_job *job = malloc(sizeof *job + len + 1);
    if (job == NULL)
        return -ENOMEM;
    job->fn = installed;
    job->context = installed_context;
    job->port = port;
    memcpy(job->host, host, len + 1);
    int err = thread_pool_defer(r, resolve_work, job, out);
    if (err != 0)
        free(job);
    return err;
}
/* << resolve-job */
