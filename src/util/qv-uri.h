/*
 * qv-uri: a strict, small URI splitter and the host/port/query helpers
 * that QEMU's URI-style backing strings need.
 *
 * GLib's GUri is not used for backing strings because it reports an
 * out-of-range port with its own wording, rejects libiscsi's
 * "user%password@" userinfo, and gives no say over where a host ends.
 * This module owns splitting and percent-decoding only; what a URI
 * means for a given protocol belongs to the caller.  Every error is
 * QV_ERROR/QV_ERR_PARSE with a bare message ("invalid port '99999'"):
 * the caller adds the context naming the string being parsed.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef struct {
    char *scheme;       /* as written, never NULL */
    char *userinfo;     /* raw (still encoded), NULL when there is no '@' */
    char *host;         /* decoded, IPv6 brackets removed; NULL when empty */
    bool host_ipv6;     /* the host was a bracketed literal */
    unsigned int port;  /* 0 when absent */
    char *path;         /* raw (still encoded), "" when empty */
    char *query;        /* raw, NULL when there is no '?' */
    char *fragment;     /* raw, NULL when there is no '#' */
} QvUri;

/* Split "scheme://[userinfo@]host[:port][/path][?query][#fragment]".
 * Only the hierarchical form with "//" is accepted: every protocol that
 * QEMU parses as a URI uses it. */
QvUri *qv_uri_parse(const char *str, GError **error);
void qv_uri_free(QvUri *uri);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvUri, qv_uri_free)

/* Percent-decode @str; fails on a malformed escape or an escaped NUL */
char *qv_uri_unescape(const char *str, GError **error);

/* A decimal port in 1..65535 */
bool qv_uri_parse_port(const char *str, unsigned int *port, GError **error);

/* "host", "host:port", "[v6]" or "[v6]:port" (legacy syntaxes and
 * iSCSI portals); with @need_port a missing port is an error, otherwise
 * *port is 0.  An unbracketed name with several ':' is an IPv6 address
 * without a port. */
bool qv_uri_parse_host_port(const char *str, bool need_port, char **host,
                            unsigned int *port, GError **error);

typedef struct {
    char *name;         /* decoded */
    char *value;        /* decoded; "" for a bare "name" */
} QvUriParam;

typedef struct {
    QvUriParam *params;
    size_t nparams;
} QvUriQuery;

/* Split a raw query on '&' and ';' (as QEMU does) and decode it.
 * @query may be NULL (no parameters). */
QvUriQuery *qv_uri_query_parse(const char *query, GError **error);
void qv_uri_query_free(QvUriQuery *query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvUriQuery, qv_uri_query_free)

/* The value of the last parameter called @name, or NULL */
const char *qv_uri_query_get(const QvUriQuery *query, const char *name);

G_END_DECLS
