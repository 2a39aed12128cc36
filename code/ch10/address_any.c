/* address_any.c: addresses of either family, and clients' "[HOST:]PORT". See address_any.h. */
#include "address_any.h"
#include "address.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void address_any_from_ipv4(struct address_any *out, const struct sockaddr_in *addr) {
    memset(out, 0, sizeof *out);
    out->u.v4 = *addr;
    out->len = sizeof out->u.v4;
}

unsigned short address_any_port(const struct address_any *addr) {
    switch (addr->u.sa.sa_family) {
    case AF_INET:
        return ntohs(addr->u.v4.sin_port);
    case AF_INET6:
        return ntohs(addr->u.v6.sin6_port);
    default:
        return 0;
    }
}

void address_any_set_port(struct address_any *addr, unsigned short port) {
    if (addr->u.sa.sa_family == AF_INET)
        addr->u.v4.sin_port = htons(port);
    else if (addr->u.sa.sa_family == AF_INET6)
        addr->u.v6.sin6_port = htons(port);
}

/* >> format-any */
char *address_format_any(const struct sockaddr *addr, char *buf, size_t len) {
    char host[INET6_ADDRSTRLEN];
    if (len == 0)
        return buf;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(v4->sin_port));
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(v6->sin6_port));
    } else {
        snprintf(buf, len, "?");
    }
    return buf;
}
/* << format-any */

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* >> looks-numeric */
/* A host name's last label is never all digits (RFC 1123, 2.1): a host whose last label begins with a
 * digit is meant as a number, and getaddrinfo would take "1.2.3" or "0x7f.1" as one (inet_aton's
 * forms). Such a host must be a whole dotted quad, or nothing. */
static bool looks_numeric(const char *host, size_t len) {
    if (len > 0 && host[len - 1] == '.')
        len--; /* "1.2.3.4." */
    size_t start = len;
    while (start > 0 && host[start - 1] != '.')
        start--;
    return start < len && is_digit(host[start]);
}
/* << looks-numeric */

/* Letters, digits, '-' and '_' in labels of 1 to 63, no label beginning or ending with '-', joined by
 * dots; at most ADDRESS_NAME_MAX, plus an optional trailing dot. */
static bool is_host_name(const char *host, size_t len) {
    if (len > 0 && host[len - 1] == '.')
        len--;
    if (len == 0 || len > ADDRESS_NAME_MAX)
        return false;
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? host[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || host[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!letter && !is_digit(c) && c != '_' && !(c == '-' && label > 0))
            return false;
        label++;
    }
    return true;
}

/* >> parse-target */
int address_parse_target(const char *text, struct address_target *out) {
    if (text[0] == '\0')
        return ADDRESS_ERR_EMPTY;
    memset(out, 0, sizeof *out);
    const char *host = ADDRESS_DEFAULT_HOST, *port_text = text;
    size_t host_len = strlen(ADDRESS_DEFAULT_HOST);
    bool bracketed = false;
    if (text[0] == '[') { /* "[V6]:PORT" */
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return ADDRESS_ERR_BRACKETS;
        host = text + 1;
        host_len = (size_t)(close - host);
        port_text = close + 2;
        bracketed = true;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon != NULL) {
            if (memchr(text, ':', (size_t)(colon - text)) != NULL)
                return ADDRESS_ERR_BRACKETS; /* "::1:80": which colon starts the port? */
            host = text;
            host_len = (size_t)(colon - text);
            port_text = colon + 1;
        }
    }
    if (host_len == 0)
        return bracketed ? ADDRESS_ERR_IPV6 : ADDRESS_ERR_HOST;
    if (host_len >= sizeof out->host)
        return bracketed ? ADDRESS_ERR_IPV6 : ADDRESS_ERR_NAME;
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';

    if (bracketed) {
        out->addr.u.v6.sin6_family = AF_INET6;
        out->addr.len = sizeof out->addr.u.v6;
        if (inet_pton(AF_INET6, out->host, &out->addr.u.v6.sin6_addr) != 1)
            return ADDRESS_ERR_IPV6;
    } else if (looks_numeric(out->host, host_len)) {
        out->addr.u.v4.sin_family = AF_INET;
        out->addr.len = sizeof out->addr.u.v4;
        if (address_parse_host(out->host, &out->addr.u.v4) != 0)
            return ADDRESS_ERR_HOST; /* "1.2.3", "127.1", "0x7f000001" */
    } else if (is_host_name(out->host, host_len)) {
        out->is_name = true;
    } else {
        return ADDRESS_ERR_NAME;
    }

    int err = address_parse_port(port_text, &out->port);
    if (err != 0)
        return err;
    if (out->port == 0)
        return ADDRESS_ERR_PORT_ZERO;
    if (!out->is_name)
        address_any_set_port(&out->addr, out->port);
    return 0;
}
/* << parse-target */

int address_parse_iface(const char *text, struct address_any *out) {
    memset(out, 0, sizeof *out);
    char host[INET6_ADDRSTRLEN];
    size_t len = strlen(text);
    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof host)
        return ADDRESS_ERR_IFACE;
    memcpy(host, text, len);
    host[len] = '\0';
    if (inet_pton(AF_INET, host, &out->u.v4.sin_addr) == 1) {
        out->u.v4.sin_family = AF_INET;
        out->len = sizeof out->u.v4;
        return 0;
    }
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET6, host, &out->u.v6.sin6_addr) == 1) {
        out->u.v6.sin6_family = AF_INET6;
        out->len = sizeof out->u.v6;
        return 0;
    }
    return ADDRESS_ERR_IFACE;
}
