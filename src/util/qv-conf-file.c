/*
 * qv-conf-file: a reader of libvirt's configuration syntax.
 *
 * One pass over the text with a cursor that never moves past its end, so
 * the text need not be NUL-terminated; nothing recurses (a list holds no
 * list), so no input can exhaust the stack.  Blanks are ' ' and '\t', an
 * end of line is '\n' or '\r' (lines are counted at '\n', so CRLF files
 * read well), as in libvirt.
 */
#include "util/qv-conf-file.h"

#include <string.h>

#include "util/qv-enum.h"
#include "util/qv-error.h"

/* A longer key is surely not a key; refusing it keeps messages short */
#define KEY_MAX 128

static const char *const type_names[] = {
    [QV_CONF_STRING] = "a string",
    [QV_CONF_INT] = "an integer",
    [QV_CONF_LIST] = "a list",
};
G_STATIC_ASSERT(G_N_ELEMENTS(type_names) == QV_CONF_TYPE_LAST);

const char *
qv_conf_type_to_string(QvConfType type)
{
    return qv_enum_to_string(type_names, G_N_ELEMENTS(type_names), type);
}

typedef struct {
    const char *origin;
    const char *p;
    const char *end;
    const char *line_start;
    size_t line;
    const char *key;            /* of the entry being read */
} Parser;

static void G_GNUC_PRINTF(4, 5)
fail_at(const Parser *ps, size_t line, GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, QV_ERROR, QV_ERR_PARSE, "%s:%zu: %s", ps->origin, line, msg);
}

#define FAIL(...) \
    do { \
        fail_at(ps, ps->line, error, __VA_ARGS__); \
        return false; \
    } while (0)

static bool
at_end(const Parser *ps)
{
    return ps->p >= ps->end;
}

/* The current byte, or -1 at the end */
static int
cur(const Parser *ps)
{
    return at_end(ps) ? -1 : (unsigned char)*ps->p;
}

static size_t
column(const Parser *ps)
{
    return (size_t)(ps->p - ps->line_start) + 1;
}

static bool
is_blank(int c)
{
    return c == ' ' || c == '\t';
}

static bool
is_eol(int c)
{
    return c == '\n' || c == '\r';
}

static bool
is_key_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_key_char(int c)
{
    return is_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Step over one byte, keeping count of lines */
static void
advance(Parser *ps)
{
    if (at_end(ps))
        return;
    if (*ps->p == '\n') {
        ps->line++;
        ps->line_start = ps->p + 1;
    }
    ps->p++;
}

static void
skip_blanks(Parser *ps)
{
    while (is_blank(cur(ps)))
        advance(ps);
}

static void
skip_to_eol(Parser *ps)
{
    while (!at_end(ps) && !is_eol(cur(ps)))
        advance(ps);
}

/* Blanks, ends of line and comments: between statements and in lists */
static void
skip_space(Parser *ps)
{
    for (;;) {
        int c = cur(ps);

        if (is_blank(c) || is_eol(c))
            advance(ps);
        else if (c == '#')
            skip_to_eol(ps);
        else
            return;
    }
}

/* What the cursor is on, for "found X" */
static char *
describe(const Parser *ps)
{
    int c = cur(ps);

    if (c < 0)
        return g_strdup("the end of the file");
    if (is_eol(c))
        return g_strdup("the end of the line");
    if (c > ' ' && c < 0x7f)
        return g_strdup_printf("'%c' (column %zu)", c, column(ps));
    return g_strdup_printf("byte 0x%02x (column %zu)", (unsigned int)c, column(ps));
}

static void
value_clear(void *data)
{
    QvConfValue *v = data;

    g_free(v->str);
    for (size_t i = 0; i < v->nitems; i++)
        value_clear(&v->items[i]);
    g_free(v->items);
    memset(v, 0, sizeof(*v));
}

static void
entry_clear(void *data)
{
    QvConfEntry *e = data;

    g_free(e->key);
    value_clear(&e->value);
}

static bool
starts_with_triple(const Parser *ps)
{
    return ps->end - ps->p >= 3 && memcmp(ps->p, "\"\"\"", 3) == 0;
}

/* """...""": anything up to the next three quotes, ends of line included */
static bool
parse_triple(Parser *ps, QvConfValue *v, GError **error)
{
    const char *start;

    for (int i = 0; i < 3; i++)
        advance(ps);
    start = ps->p;
    while (!at_end(ps) && !starts_with_triple(ps))
        advance(ps);
    if (at_end(ps)) {
        fail_at(ps, v->line, error, "the triple-quoted string of key '%s' is not terminated", ps->key);
        return false;
    }
    v->str = g_strndup(start, (size_t)(ps->p - start));
    for (int i = 0; i < 3; i++)
        advance(ps);
    return true;
}

static bool
parse_string(Parser *ps, QvConfValue *v, GError **error)
{
    int quote = cur(ps);
    const char *start;

    v->type = QV_CONF_STRING;
    if (quote == '"' && starts_with_triple(ps))
        return parse_triple(ps, v, error);
    advance(ps);
    start = ps->p;
    while (!at_end(ps) && cur(ps) != quote && !is_eol(cur(ps)))
        advance(ps);
    if (cur(ps) != quote)
        FAIL("the string of key '%s' is not terminated (a string ends on its line and holds no %c; \"\"\"triple quotes\"\"\" allow both)",
             ps->key, quote);
    v->str = g_strndup(start, (size_t)(ps->p - start));
    advance(ps);
    return true;
}

static bool
parse_int(Parser *ps, QvConfValue *v, GError **error)
{
    uint64_t limit = (uint64_t)INT64_MAX;
    uint64_t mag = 0;

    v->type = QV_CONF_INT;
    if (cur(ps) == '-' || cur(ps) == '+') {
        v->negative = cur(ps) == '-';
        advance(ps);
    }
    if (v->negative)
        limit++;
    if (!is_digit(cur(ps))) {
        g_autofree char *found = describe(ps);

        FAIL("expected digits after the sign of the value of key '%s', found %s", ps->key, found);
    }
    while (is_digit(cur(ps))) {
        uint64_t d = (uint64_t)(cur(ps) - '0');

        if (mag > (limit - d) / 10)
            FAIL("the integer value of key '%s' does not fit in 64 bits", ps->key);
        mag = mag * 10 + d;
        advance(ps);
    }
    if (!v->negative)
        v->num = (int64_t)mag;
    else if (mag == limit)
        v->num = INT64_MIN;
    else
        v->num = -(int64_t)mag;
    return true;
}

static bool parse_list(Parser *ps, QvConfValue *v, GError **error);

/* One value at the cursor; @in_list: as an item of a list */
static bool
parse_value(Parser *ps, QvConfValue *v, bool in_list, GError **error)
{
    int c = cur(ps);

    v->line = ps->line;
    if (c == '"' || c == '\'')
        return parse_string(ps, v, error);
    if (is_digit(c) || c == '-' || c == '+')
        return parse_int(ps, v, error);
    if (c == '[' && in_list)
        FAIL("a list cannot hold a list (key '%s', column %zu)", ps->key, column(ps));
    if (c == '[')
        return parse_list(ps, v, error);
    if (c < 0 || is_eol(c) || c == '#') {
        FAIL("expected a value for key '%s'", ps->key);
    } else {
        g_autofree char *found = describe(ps);

        FAIL("expected a value for key '%s' (a quoted string, an integer or a list), found %s",
             ps->key, found);
    }
}

/* [ value, value, ... ] with an optional trailing comma */
static bool
parse_list(Parser *ps, QvConfValue *v, GError **error)
{
    g_autoptr(GArray) items = g_array_new(FALSE, TRUE, sizeof(QvConfValue));
    size_t n;

    g_array_set_clear_func(items, value_clear);
    v->type = QV_CONF_LIST;
    advance(ps);
    skip_space(ps);
    while (cur(ps) != ']') {
        QvConfValue item = { 0 };

        if (at_end(ps))
            break;
        if (!parse_value(ps, &item, true, error)) {
            value_clear(&item);
            return false;
        }
        g_array_append_val(items, item);
        skip_space(ps);
        if (cur(ps) == ',') {
            advance(ps);
            skip_space(ps);
        } else if (cur(ps) != ']' && !at_end(ps)) {
            g_autofree char *found = describe(ps);

            FAIL("expected ',' or ']' in the list of key '%s', found %s", ps->key, found);
        }
    }
    if (at_end(ps)) {
        fail_at(ps, v->line, error, "the list of key '%s' is not closed with ']'", ps->key);
        return false;
    }
    advance(ps);
    v->items = g_array_steal(items, &n);
    v->nitems = n;
    return true;
}

/* key = value [# comment] then an end of line, ';' or the end */
static bool
parse_entry(Parser *ps, QvConfEntry *e, GError **error)
{
    const char *start = ps->p;

    e->line = ps->line;
    if (!is_key_start(cur(ps))) {
        g_autofree char *found = describe(ps);

        FAIL("expected a key, found %s", found);
    }
    while (is_key_char(cur(ps)))
        advance(ps);
    if (ps->p - start > KEY_MAX)
        FAIL("a key is at most %d characters long, '%.20s...' is %zu", KEY_MAX, start,
             (size_t)(ps->p - start));
    e->key = g_strndup(start, (size_t)(ps->p - start));
    ps->key = e->key;
    skip_blanks(ps);
    if (cur(ps) != '=')
        FAIL("expected '=' after key '%s'", e->key);
    advance(ps);
    skip_blanks(ps);
    if (!parse_value(ps, &e->value, false, error))
        return false;
    skip_blanks(ps);
    if (cur(ps) == '#')
        skip_to_eol(ps);
    if (cur(ps) == ';') {
        advance(ps);
    } else if (!at_end(ps) && !is_eol(cur(ps))) {
        g_autofree char *found = describe(ps);

        FAIL("unexpected %s after the value of key '%s'", found, e->key);
    }
    return true;
}

/* A NUL byte is refused up front: no string or comment can then hide one */
static bool
check_nul(Parser *ps, GError **error)
{
    const char *nul = ps->p < ps->end ? memchr(ps->p, '\0', (size_t)(ps->end - ps->p)) : NULL;

    if (!nul)
        return true;
    while (ps->p < nul)
        advance(ps);
    FAIL("NUL byte at column %zu (is this a text file?)", column(ps));
}

QvConfFile *
qv_conf_file_parse(const char *text, size_t len, const char *origin,
                   GError **error)
{
    Parser ps = { origin, text, text ? text + len : text, text, 1, NULL };
    g_autoptr(GArray) entries = g_array_new(FALSE, TRUE, sizeof(QvConfEntry));
    QvConfFile *conf;
    size_t n;

    g_array_set_clear_func(entries, entry_clear);
    if (!check_nul(&ps, error))
        return NULL;
    ps.p = ps.line_start = text;
    ps.line = 1;
    for (;;) {
        QvConfEntry e = { 0 };

        skip_space(&ps);
        if (at_end(&ps))
            break;
        if (!parse_entry(&ps, &e, error)) {
            entry_clear(&e);
            return NULL;
        }
        g_array_append_val(entries, e);
    }
    conf = g_new0(QvConfFile, 1);
    conf->origin = g_strdup(origin);
    conf->entries = g_array_steal(entries, &n);
    conf->nentries = n;
    return conf;
}

void
qv_conf_file_free(QvConfFile *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < conf->nentries; i++)
        entry_clear(&conf->entries[i]);
    g_free(conf->entries);
    g_free(conf->origin);
    g_free(conf);
}

const QvConfEntry *
qv_conf_file_lookup(const QvConfFile *conf, const char *key)
{
    for (size_t i = 0; conf && i < conf->nentries; i++) {
        if (strcmp(conf->entries[i].key, key) == 0)
            return &conf->entries[i];
    }
    return NULL;
}
