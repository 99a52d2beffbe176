/*
 * qv-json-writer: streaming pretty JSON.
 */
#include "util/qv-json-writer.h"

#include <string.h>

/* GString's own append is a library call per piece; most pieces here are
 * a few bytes, so copy them in place while there is room */
static inline void
put(GString *b, const char *s, size_t n)
{
    if (G_UNLIKELY(b->len + n + 1 > b->allocated_len)) {
        g_string_append_len(b, s, (gssize)n);
        return;
    }
    memcpy(b->str + b->len, s, n);
    b->len += n;
    b->str[b->len] = '\0';
}

#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static inline void
put_c(GString *b, char c)
{
    put(b, &c, 1);
}

struct _QvJsonWriter {
    GString *buf;
    GArray *empty;          /* per open container: no member written yet */
};

QvJsonWriter *
qv_json_writer_new(void)
{
    QvJsonWriter *w = g_new0(QvJsonWriter, 1);

    w->buf = g_string_sized_new(4096);
    w->empty = g_array_new(FALSE, FALSE, sizeof(gboolean));
    return w;
}

void
qv_json_writer_free(QvJsonWriter *w)
{
    if (!w)
        return;
    g_string_free(w->buf, TRUE);
    g_array_free(w->empty, TRUE);
    g_free(w);
}

static void
indent(QvJsonWriter *w)
{
    static const char spaces[] = "                                ";
    size_t n = (size_t)w->empty->len * 2;

    while (n > 0) {
        size_t k = MIN(n, sizeof(spaces) - 1);

        put(w->buf, spaces, k);
        n -= k;
    }
}

void
qv_json_append_quoted(GString *buf, const char *s)
{
    const char *p = s;

    put_c(buf, '"');
    while (*p) {
        const char *run = p;
        gunichar c;

        /* plain printable ASCII goes in one piece */
        while ((guchar)*p >= 0x20 && (guchar)*p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            put(buf, run, (size_t)(p - run));
        if (!*p)
            break;
        c = g_utf8_get_char_validated(p, -1);

        if (c == (gunichar)-1 || c == (gunichar)-2) {
            PUTS(buf, "\\ufffd");
            p++;
            continue;
        }
        switch (c) {
        case '"': PUTS(buf, "\\\""); break;
        case '\\': PUTS(buf, "\\\\"); break;
        case '\n': PUTS(buf, "\\n"); break;
        case '\t': PUTS(buf, "\\t"); break;
        case '\r': PUTS(buf, "\\r"); break;
        case '\b': PUTS(buf, "\\b"); break;
        case '\f': PUTS(buf, "\\f"); break;
        default:
            if (c < 0x20)
                g_string_append_printf(buf, "\\u%04x", c);
            else
                put(buf, p, (size_t)(g_utf8_next_char(p) - p));
        }
        p = g_utf8_next_char(p);
    }
    put_c(buf, '"');
}

/* Separator, indent and "key": for the next value */
static void
member(QvJsonWriter *w, const char *key)
{
    if (w->empty->len > 0) {
        gboolean *first = &g_array_index(w->empty, gboolean, w->empty->len - 1);

        if (*first)
            PUTS(w->buf, "\n");
        else
            PUTS(w->buf, ",\n");
        *first = FALSE;
        indent(w);
    }
    if (key) {
        qv_json_append_quoted(w->buf, key);
        PUTS(w->buf, ": ");
    }
}

static void
open_container(QvJsonWriter *w, const char *key, char c)
{
    gboolean t = TRUE;

    member(w, key);
    put_c(w->buf, c);
    g_array_append_val(w->empty, t);
}

static void
close_container(QvJsonWriter *w, char c)
{
    gboolean was_empty = g_array_index(w->empty, gboolean, w->empty->len - 1);

    g_array_set_size(w->empty, w->empty->len - 1);
    if (was_empty) {
        put_c(w->buf, ' ');
    } else {
        put_c(w->buf, '\n');
        indent(w);
    }
    put_c(w->buf, c);
}

void qv_json_begin_object(QvJsonWriter *w, const char *key) { open_container(w, key, '{'); }
void qv_json_end_object(QvJsonWriter *w) { close_container(w, '}'); }
void qv_json_begin_array(QvJsonWriter *w, const char *key) { open_container(w, key, '['); }
void qv_json_end_array(QvJsonWriter *w) { close_container(w, ']'); }

void
qv_json_string(QvJsonWriter *w, const char *key, const char *val)
{
    member(w, key);
    if (val)
        qv_json_append_quoted(w->buf, val);
    else
        PUTS(w->buf, "null");
}

void
qv_json_uint(QvJsonWriter *w, const char *key, uint64_t val)
{
    char digits[24];
    size_t i = sizeof(digits);

    member(w, key);
    do {
        digits[--i] = (char)('0' + val % 10);
        val /= 10;
    } while (val);
    put(w->buf, digits + i, sizeof(digits) - i);
}

void
qv_json_bool(QvJsonWriter *w, const char *key, bool val)
{
    member(w, key);
    if (val)
        PUTS(w->buf, "true");
    else
        PUTS(w->buf, "false");
}

void
qv_json_null(QvJsonWriter *w, const char *key)
{
    member(w, key);
    PUTS(w->buf, "null");
}

char *
qv_json_writer_finish(QvJsonWriter **wp)
{
    QvJsonWriter *w = g_steal_pointer(wp);
    char *out;

    put_c(w->buf, '\n');
    out = g_string_free(w->buf, FALSE);
    g_array_free(w->empty, TRUE);
    g_free(w);
    return out;
}
