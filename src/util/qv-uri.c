/*
 * qv-uri: splitting URIs, host:port pairs and queries for backing strings.
 *
 * Strict on purpose: a backing string is read from an image that may come
 * from anyone, so characters RFC 3986 does not allow are refused rather
 * than guessed at.
 */
#include "util/qv-uri.h"

#include "util/qv-error.h"

#include <string.h>

/* Printable ASCII minus what RFC 3986 never allows unescaped */
static bool
uri_char_ok(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return false;
    return !strchr("\"<>\\^`{|}", c);
}

static bool
scheme_ok(const char *s, size_t len)
{
    if (len == 0 || !g_ascii_isalpha(s[0]))
        return false;
    for (size_t i = 1; i < len; i++) {
        if (!g_ascii_isalnum(s[i]) && !strchr("+-.", s[i]))
            return false;
    }
    return true;
}

/* unreserved / pct-encoded / sub-delims: a reg-name host */
static bool
reg_name_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isalnum(s[i]) && !strchr("-._~%!$&'()*+,;=", s[i]))
            return false;
    }
    return true;
}

/* Hex digits, ':' and '.', then an optional "%zone" */
static bool
ipv6_ok(const char *s, size_t len)
{
    bool colon = false;
    size_t i;

    for (i = 0; i < len && s[i] != '%'; i++) {
        if (s[i] == ':')
            colon = true;
        else if (!g_ascii_isxdigit(s[i]) && s[i] != '.')
            return false;
    }
    if (i < len && !reg_name_ok(s + i, len - i))
        return false;
    return colon;
}

char *
qv_uri_unescape(const char *str, GError **error)
{
    char *out = g_uri_unescape_string(str, NULL);

    if (!out)
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "invalid percent-encoding in '%s'", str);
    return out;
}

bool
qv_uri_parse_port(const char *str, unsigned int *port, GError **error)
{
    size_t len = strlen(str);
    unsigned int v = 0;

    if (len == 0 || len > 5)
        goto bad;
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isdigit(str[i]))
            goto bad;
        v = v * 10 + (unsigned int)(str[i] - '0');
    }
    if (v < 1 || v > 65535)
        goto bad;
    *port = v;
    return true;

 bad:
    g_set_error(error, QV_ERROR, QV_ERR_PARSE, "invalid port '%s'", str);
    return false;
}

/* Host (and port) of an authority without its userinfo */
static bool
uri_parse_hostport(QvUri *uri, const char *s, size_t len, GError **error)
{
    g_autofree char *raw = NULL;
    size_t hlen;

    if (len > 0 && s[0] == '[') {
        const char *end = memchr(s, ']', len);

        if (!end || !ipv6_ok(s + 1, (size_t)(end - s - 1))) {
            g_autofree char *h = g_strndup(s, end ? (size_t)(end - s + 1) : len);

            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "invalid IPv6 address '%s'", h);
            return false;
        }
        raw = g_strndup(s + 1, (size_t)(end - s - 1));
        uri->host_ipv6 = true;
        hlen = (size_t)(end - s + 1);
    } else {
        const char *colon = memchr(s, ':', len);

        hlen = colon ? (size_t)(colon - s) : len;
        raw = g_strndup(s, hlen);
        if (!reg_name_ok(raw, hlen)) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "invalid host '%s'", raw);
            return false;
        }
    }

    if (hlen < len) {
        g_autofree char *port = NULL;

        if (s[hlen] != ':') {
            g_autofree char *a = g_strndup(s, len);

            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "invalid host '%s'", a);
            return false;
        }
        port = g_strndup(s + hlen + 1, len - hlen - 1);
        /* "host:" is the default port, as RFC 3986 says */
        if (*port && !qv_uri_parse_port(port, &uri->port, error))
            return false;
    }

    if (*raw && !(uri->host = qv_uri_unescape(raw, error)))
        return false;
    return true;
}

static bool
uri_parse_authority(QvUri *uri, const char *s, size_t len, GError **error)
{
    const char *at = g_strrstr_len(s, (gssize)len, "@");

    if (at) {
        uri->userinfo = g_strndup(s, (size_t)(at - s));
        len -= (size_t)(at - s + 1);
        s = at + 1;
    }
    return uri_parse_hostport(uri, s, len, error);
}

QvUri *
qv_uri_parse(const char *str, GError **error)
{
    g_autoptr(QvUri) uri = g_new0(QvUri, 1);
    const char *sep = strstr(str, "://");
    const char *auth;
    size_t alen;
    const char *p;

    for (p = str; *p; p++) {
        if (!uri_char_ok((unsigned char)*p)) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "character 0x%02x must be percent-encoded in a URI",
                        (unsigned char)*p);
            return NULL;
        }
    }
    if (!sep || !scheme_ok(str, (size_t)(sep - str))) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "not a URI of the form 'scheme://host/path'");
        return NULL;
    }
    uri->scheme = g_strndup(str, (size_t)(sep - str));

    auth = sep + 3;
    alen = strcspn(auth, "/?#");
    if (!uri_parse_authority(uri, auth, alen, error))
        return NULL;

    p = auth + alen;
    uri->path = g_strndup(p, strcspn(p, "?#"));
    p += strlen(uri->path);
    if (*p == '?') {
        uri->query = g_strndup(p + 1, strcspn(p + 1, "#"));
        p += 1 + strlen(uri->query);
    }
    if (*p == '#')
        uri->fragment = g_strdup(p + 1);
    return g_steal_pointer(&uri);
}

void
qv_uri_free(QvUri *uri)
{
    if (!uri)
        return;
    g_free(uri->scheme);
    g_free(uri->userinfo);
    g_free(uri->host);
    g_free(uri->path);
    g_free(uri->query);
    g_free(uri->fragment);
    g_free(uri);
}

bool
qv_uri_parse_host_port(const char *str, bool need_port, char **host,
                       unsigned int *port, GError **error)
{
    const char *colon = strchr(str, ':');
    g_autofree char *h = NULL;

    *port = 0;
    if (str[0] == '[') {
        const char *end = strchr(str, ']');

        if (!end || end == str + 1 ||
            !ipv6_ok(str + 1, (size_t)(end - str - 1)) ||
            (end[1] != '\0' && end[1] != ':')) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "invalid IPv6 address in '%s'", str);
            return false;
        }
        h = g_strndup(str + 1, (size_t)(end - str - 1));
        colon = end[1] == ':' ? end + 1 : NULL;
    } else if (colon && strchr(colon + 1, ':')) {
        if (need_port) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "an IPv6 address with a port must be written in brackets: '%s'",
                        str);
            return false;
        }
        h = g_strdup(str);
        colon = NULL;
    } else {
        h = colon ? g_strndup(str, (size_t)(colon - str)) : g_strdup(str);
    }

    if (!*h) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "missing host in '%s'", str);
        return false;
    }
    if (colon) {
        if (!qv_uri_parse_port(colon + 1, port, error))
            return false;
    } else if (need_port) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "missing port in '%s'", str);
        return false;
    }
    *host = g_steal_pointer(&h);
    return true;
}

QvUriQuery *
qv_uri_query_parse(const char *query, GError **error)
{
    g_autoptr(QvUriQuery) q = g_new0(QvUriQuery, 1);
    g_auto(GStrv) parts = NULL;

    if (!query)
        return g_steal_pointer(&q);

    parts = g_strsplit_set(query, "&;", -1);
    q->params = g_new0(QvUriParam, g_strv_length(parts));
    for (size_t i = 0; parts[i]; i++) {
        char *eq = strchr(parts[i], '=');
        QvUriParam *p;

        if (!*parts[i])
            continue;
        if (eq)
            *eq = '\0';
        p = &q->params[q->nparams++];
        if (!(p->name = qv_uri_unescape(parts[i], error)) ||
            !(p->value = qv_uri_unescape(eq ? eq + 1 : "", error)))
            return NULL;
    }
    return g_steal_pointer(&q);
}

void
qv_uri_query_free(QvUriQuery *query)
{
    if (!query)
        return;
    for (size_t i = 0; i < query->nparams; i++) {
        g_free(query->params[i].name);
        g_free(query->params[i].value);
    }
    g_free(query->params);
    g_free(query);
}

const char *
qv_uri_query_get(const QvUriQuery *query, const char *name)
{
    for (size_t i = query->nparams; i > 0; i--) {
        if (strcmp(query->params[i - 1].name, name) == 0)
            return query->params[i - 1].value;
    }
    return NULL;
}
