/* address.h: reading and writing IPv4 socket addresses as text ("127.0.0.1:10000"). */
#ifndef ADDRESS_H
#define ADDRESS_H

#include "result.h"

#include <netinet/in.h>
#include <stddef.h>

/* The negative codes address_parse and address_parse_port return, in the address range of the one code
 * space (result.h), so that none can be mistaken for -errno; address_strerror names them. */
enum {
    ADDRESS_ERR_EMPTY = -10301,     /* the text is empty */
    ADDRESS_ERR_HOST = -10302,      /* the host part is not a dotted IPv4 address */
    ADDRESS_ERR_PORT = -10303,      /* the port is not a whole number from 0 to 65535 */
    ADDRESS_ERR_PORT_ZERO = -10304, /* port 0: fine to listen on ("any free port"), but no server is there */
};

/* Room for the longest "255.255.255.255:65535" and its terminating NUL. */
#define ADDRESS_TEXT_MAX 22

/* The host used when the text names only a port. */
#define ADDRESS_DEFAULT_HOST "127.0.0.1"

/* Parses "[HOST:]PORT", the address of a server to connect to, into *out (HOST defaults to
 * ADDRESS_DEFAULT_HOST). HOST must be a dotted IPv4 address: this chapter does no name lookups, and
 * PORT may not be 0. Returns 0, or a negative ADDRESS_ERR_* code and leaves *out unspecified. */
int address_parse(const char *text, struct sockaddr_in *out);

/* Parses a port number, 0 to 65535, into *port (host byte order). Returns 0 or ADDRESS_ERR_PORT. */
int address_parse_port(const char *text, unsigned short *port);

/* Parses a dotted IPv4 address into out->sin_addr, leaving the port alone. Returns 0 or ADDRESS_ERR_HOST. */
int address_parse_host(const char *text, struct sockaddr_in *out);

/* Writes "HOST:PORT" for addr into buf (at most len bytes, always NUL-terminated when len > 0).
 * Returns buf, so that the call can sit inside a printf. */
char *address_format(const struct sockaddr_in *addr, char *buf, size_t len);

/* Names an ADDRESS_ERR_* code, or any other code (see result_strerror, which this wraps). */
const char *address_strerror(int code);

#endif
