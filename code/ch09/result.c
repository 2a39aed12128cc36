/* result.c: the one table of library codes. See result.h for the contracts.
 *
 * Each module's codes are defined in its own header, next to the functions that return them; this file
 * includes those headers only for the values, and calls none of their functions. */
#include "result.h"

#include "address.h"
#include "address_any.h"
#include "backend.h"
#include "deferred.h"
#include "line_receiver.h"
#include "looping_call.h"
#include "netstring.h"
#include "poetry_client.h"
#include "poetry_cache.h"
#include "reactor.h"
#include "reactor_threads.h"
#include "reconnecting_factory.h"
#include "resolver.h"
#include "thread_pool.h"
#include "transform_client.h"
#include "transforms.h"

#include <stdio.h>
#include <string.h>

#define NAMED(code, message) {code, #code, message}

static const struct result_name names[] = {
    NAMED(ADDRESS_ERR_EMPTY, "empty address"),
    NAMED(ADDRESS_ERR_HOST, "host is not an IPv4 address like 127.0.0.1"),
    NAMED(ADDRESS_ERR_PORT, "port is not a number from 0 to 65535"),
    NAMED(ADDRESS_ERR_PORT_ZERO, "port 0 means 'any free port' to a server; connect to the port the server printed"),
    NAMED(REACTOR_CONNECTION_DONE, "connection closed cleanly"),
    NAMED(REACTOR_ERR_NOT_RUNNING, "the reactor is not running"),
    NAMED(REACTOR_ERR_ALREADY_RUNNING, "the reactor is already running"),
    NAMED(REACTOR_ERR_NOT_RESTARTABLE, "the reactor has already run and cannot be restarted"),
    NAMED(REACTOR_ERR_CONNECTION_LOST, "connection lost: the reactor shut down"),
    NAMED(REACTOR_ERR_FD_RANGE, "file descriptor is negative or beyond select()'s FD_SETSIZE limit"),
    NAMED(REACTOR_ERR_SHUTTING_DOWN, "the reactor is shutting down or has stopped"),
    NAMED(REACTOR_ERR_CONNECTION_ABORTED, "connection aborted"),
    NAMED(REACTOR_ERR_DISCONNECTING, "the connection is closing: no more writes"),
    NAMED(REACTOR_ERR_CONNECT_CANCELLED, "connect cancelled"),
    NAMED(REACTOR_ERR_NOT_CONNECTING, "the connector is not connecting"),
    NAMED(REACTOR_ERR_NO_PROTOCOL, "the factory built no protocol: connection closed"),
    NAMED(DELAYED_CALL_ERR_ALREADY_CALLED, "the delayed call has already been called"),
    NAMED(DELAYED_CALL_ERR_ALREADY_CANCELLED, "the delayed call has already been cancelled"),
    NAMED(LOOPING_CALL_ERR_RUNNING, "the looping call is already running"),
    NAMED(LOOPING_CALL_ERR_NOT_RUNNING, "the looping call is not running"),
    NAMED(BACKEND_ERR_UNKNOWN, "no such backend in this build (it has " BACKEND_NAMES_TEXT ")"),
    /* >> deferred-codes */
    NAMED(DEFERRED_ERR_ALREADY_CALLED, "the Deferred has already been fired"),
    NAMED(DEFERRED_ERR_CANCELLED, "the Deferred was cancelled"),
    NAMED(DEFERRED_ERR_NOT_PAUSED, "unpause of a Deferred that is not paused"),
    NAMED(DEFERRED_ERR_RETURNED_SELF, "a callback returned the Deferred it was added to"),
    NAMED(DEFERRED_ERR_NO_FAILURE, "errback with no failure"),
    /* << deferred-codes */
    NAMED(LINE_RECEIVER_ERR_DELIMITER, "a line delimiter must be 1 to 16 bytes"),
    NAMED(LINE_RECEIVER_ERR_LINE_TOO_LONG, "the peer sent a line longer than the maximum"),
    NAMED(NETSTRING_ERR_LENGTH, "malformed netstring: the length is not digits (without leading zeros) then ':'"),
    NAMED(NETSTRING_ERR_TOO_LONG, "netstring longer than the maximum"),
    NAMED(NETSTRING_ERR_COMMA, "malformed netstring: no ',' after the bytes"),
    NAMED(NETSTRING_ERR_NO_MEMORY, "no memory for a netstring's bytes"),
    NAMED(RECONNECTING_FACTORY_ERR_STOPPED, "the reconnecting factory has stopped trying"),
    NAMED(RECONNECTING_FACTORY_ERR_MAX_RETRIES, "the reconnecting factory has made its maximum number of retries"),
    NAMED(TRANSFORM_ERR_UNKNOWN, "no such transform"),
    NAMED(TRANSFORM_ERR_FAILED, "the transform failed"),
    NAMED(RECONNECTING_FACTORY_ERR_NO_CONNECT, "the reconnecting factory has nothing to connect to"),
    NAMED(REACTOR_THREADS_ERR_STOPPED, "the reactor has stopped: a call from a thread would never run"),
    NAMED(THREAD_POOL_ERR_STOPPED, "the thread pool has stopped"),
    NAMED(THREAD_POOL_ERR_SIZE, "bad thread pool size: min is above max, or max is 0"),
    NAMED(ADDRESS_ERR_BRACKETS, "an IPv6 address goes in brackets, then the port: [::1]:PORT"),
    NAMED(ADDRESS_ERR_IPV6, "not an IPv6 address inside the brackets (like [::1])"),
    NAMED(ADDRESS_ERR_NAME, "host is not a host name (letters, digits, '-', '_' and dots)"),
    NAMED(ADDRESS_ERR_IFACE, "not an IPv4 address like 127.0.0.1 or an IPv6 address like ::1"),
    NAMED(RESOLVER_ERR_NOT_FOUND, "no such host name"),
    NAMED(RESOLVER_ERR_NO_ADDRESS, "the host name has no IPv4 or IPv6 address"),
    NAMED(RESOLVER_ERR_AGAIN, "name resolution failed for now (no answer from the name server)"),
    NAMED(RESOLVER_ERR_FAILED, "name resolution failed"),
    NAMED(RESOLVER_ERR_HOSTS_FILE, "cannot read the hosts file"),
    NAMED(POETRY_CLIENT_ERR_TIMED_OUT, "the download took longer than its timeout"),
    NAMED(POETRY_CLIENT_ERR_IDLE, "no byte of the poem came within the idle timeout"),
    NAMED(POETRY_CLIENT_ERR_CONNECT_TIMED_OUT, "the connect did not succeed within the connect timeout"),
    NAMED(TRANSFORM_CLIENT_ERR_NO_REPLY, "the server closed without a reply"),
    NAMED(TRANSFORM_CLIENT_ERR_NAME, "a transform's name must be one or more bytes without a '.'"),
    NAMED(TRANSFORM_CLIENT_ERR_IDLE, "no byte of the transformed poem came within the idle timeout"),
    NAMED(TRANSFORM_CLIENT_ERR_CONNECT_TIMED_OUT, "the connect to the transformation server timed out"),
    NAMED(TRANSFORM_CLIENT_ERR_TIMED_OUT, "the transform request took longer than its timeout"),
    NAMED(POETRY_CACHE_ERR_FREED, "the poetry cache was freed while the poem was being fetched"),
    NAMED(POETRY_CACHE_ERR_NO_POEM, "the fetch gave the poetry cache no poem"),
};

const struct result_name *result_names(size_t *count) {
    *count = sizeof names / sizeof names[0];
    return names;
}

const char *result_strerror(int code) {
    if (code == 0)
        return "success";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code)
            return names[i].message;
    if (code < 0 && code >= RESULT_ERRNO_LAST)
        return strerror(-code);
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "unknown error (%d)", code);
    return unknown;
}
