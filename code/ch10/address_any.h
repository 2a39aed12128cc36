/* address_any.h: socket addresses of either family, IPv4 or IPv6, and what a client's "[HOST:]PORT"
 * names — beside address.h's IPv4 functions, which stay as chapter 5 made them.
 *
 * Text forms: "127.0.0.1:80" and "[::1]:80" for addresses (an IPv6 address needs its brackets, since
 * it has colons of its own), "localhost:80" for a name that a resolver (resolver.h) turns into
 * addresses. IPv6 scope ids ("fe80::1%eth0") are not accepted. */
#ifndef ADDRESS_ANY_H
#define ADDRESS_ANY_H

#include "result.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* The address module's parse codes that chapter 9 adds (its range, result.h; address.h has the rest). */
enum {
    ADDRESS_ERR_BRACKETS = -10305, /* an IPv6 address without brackets, or junk after the ']' */
    ADDRESS_ERR_IPV6 = -10306,     /* what the brackets hold is not an IPv6 address */
    ADDRESS_ERR_NAME = -10307,     /* not a host name: a character no name has, an empty label, too long */
    ADDRESS_ERR_IFACE = -10308,    /* --iface: neither an IPv4 nor an IPv6 address */
};

/* >> address-any */
/* An IPv4 or an IPv6 socket address. The socket calls take &u.sa and len; u.sa.sa_family says which
 * member holds the address. */
struct address_any {
    socklen_t len; /* sizeof u.v4 or sizeof u.v6 */
    union {
        struct sockaddr sa;
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } u;
};
/* << address-any */

/* Room for the longest "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535" and its NUL. */
#define ADDRESS_ANY_TEXT_MAX (INET6_ADDRSTRLEN + 8)

/* The longest host name (RFC 1035: 253 characters, without a trailing dot). */
#define ADDRESS_NAME_MAX 253

/* >> address-target */
/* What a client's "[HOST:]PORT" names: an address to connect to, or a name to resolve first. */
struct address_target {
    char host[ADDRESS_NAME_MAX + 2]; /* HOST as written, without brackets: "localhost", "127.0.0.1", "::1" */
    unsigned short port;             /* host byte order, never 0 */
    bool is_name;                    /* true: host is a name, for a resolver; false: addr is set */
    struct address_any addr;         /* the literal's address, with the port */
};
/* << address-target */

/* Makes an address_any of an IPv4 address. */
void address_any_from_ipv4(struct address_any *out, const struct sockaddr_in *addr);

/* The port of an address of either family (host byte order); 0 for another family. */
unsigned short address_any_port(const struct address_any *addr);

/* Sets the port of an address of either family (host byte order). */
void address_any_set_port(struct address_any *addr, unsigned short port);

/* Writes "HOST:PORT" (IPv4) or "[HOST]:PORT" (IPv6) for addr into buf (at most len bytes, always
 * NUL-terminated when len > 0); "?" for another family. addr may point into a struct address_any or a
 * struct sockaddr_storage. Returns buf, so that the call can sit inside a printf. */
char *address_format_any(const struct sockaddr *addr, char *buf, size_t len);

/* Parses a client's "[HOST:]PORT" into *out: HOST is a whole dotted IPv4 address, an IPv6 address in
 * brackets ("[::1]:80"), or a host name; without HOST, ADDRESS_DEFAULT_HOST (127.0.0.1). A HOST whose
 * last label begins with a digit looks numeric and must be a dotted quad (getaddrinfo would read
 * "1.2.3" as 1.2.0.3), so it is never taken for a name. A name is labels of letters, digits, '-' and '_'
 * (1 to 63 each, not beginning or ending with '-'), joined by dots, at most ADDRESS_NAME_MAX long, with
 * an optional trailing dot. Returns 0, or ADDRESS_ERR_EMPTY, ADDRESS_ERR_HOST (empty or numeric but not
 * a dotted quad), ADDRESS_ERR_BRACKETS ("::1:80"), ADDRESS_ERR_IPV6, ADDRESS_ERR_NAME, ADDRESS_ERR_PORT,
 * ADDRESS_ERR_PORT_ZERO; *out is then unspecified. */
int address_parse_target(const char *text, struct address_target *out);

/* Parses a server's --iface: a dotted IPv4 address or an IPv6 address (brackets allowed, not needed)
 * into *out, with port 0 (set it with address_any_set_port). Returns 0 or ADDRESS_ERR_IFACE. */
int address_parse_iface(const char *text, struct address_any *out);

#endif
