/* address.c: IPv4 addresses as text. See address.h for the contracts. */
#include "address.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int address_parse_port(const char *text, unsigned short *port) {
    /* strtoul accepts leading blanks, signs and "0x"; a port is plain decimal digits only. */
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 5 || text[digits] != '\0')
        return ADDRESS_ERR_PORT;
    unsigned long value = strtoul(text, NULL, 10);
    if (value > 65535)
        return ADDRESS_ERR_PORT;
    *port = (unsigned short)value;
    return 0;
}

int address_parse_host(const char *text, struct sockaddr_in *out) {
    if (inet_pton(AF_INET, text, &out->sin_addr) != 1)
        return ADDRESS_ERR_HOST;
    return 0;
}

int address_parse(const char *text, struct sockaddr_in *out) {
    if (text[0] == '\0')
        return ADDRESS_ERR_EMPTY;

    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;

    const char *port_text = text;
    const char *colon = strrchr(text, ':');
    if (colon == NULL) {
        address_parse_host(ADDRESS_DEFAULT_HOST, out);
    } else {
        char host[INET_ADDRSTRLEN];
        size_t host_len = (size_t)(colon - text);
        if (host_len == 0 || host_len >= sizeof host)
            return ADDRESS_ERR_HOST;
        memcpy(host, text, host_len);
        host[host_len] = '\0';
        if (address_parse_host(host, out) != 0)
            return ADDRESS_ERR_HOST;
        port_text = colon + 1;
    }

    unsigned short port;
    if (address_parse_port(port_text, &port) != 0)
        return ADDRESS_ERR_PORT;
    if (port == 0)
        return ADDRESS_ERR_PORT_ZERO;
    out->sin_port = htons(port);
    return 0;
}

char *address_format(const struct sockaddr_in *addr, char *buf, size_t len) {
    char host[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &addr->sin_addr, host, sizeof host) == NULL)
        strcpy(host, "?");
    if (len > 0)
        snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(addr->sin_port));
    return buf;
}

const char *address_strerror(int code) {
    return result_strerror(code);
}
