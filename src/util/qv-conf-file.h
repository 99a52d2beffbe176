/*
 * qv-conf-file: a reader of libvirt's configuration syntax (virConf), the
 * syntax of qemu.conf, qemu-lockd.conf and qemu-sanlock.conf, so that an
 * admin's files read the same in qvirt as in libvirt.
 *
 *     # a comment
 *     key = "a string"          # or 'a string', or """one spanning lines"""
 *     number = -12
 *     list = [ "a", 'b', 3,     # a list may span lines and hold comments
 *              "c", ]
 *     one = 1; two = 2          # ';' separates statements too
 *
 * As in libvirt a string has no escape sequences: it may hold anything but
 * its own quote and, unless triple-quoted, the end of a line; an integer
 * is decimal with an optional sign; a value starts on its key's line.
 * Where this reader differs from libvirt's:
 *  - a key is [A-Za-z_][A-Za-z0-9_.-]* (libvirt: a letter first, and '.'
 *    and '-' only in its VMX and LXC modes);
 *  - a list may hold comments, but not lists;
 *  - a NUL byte anywhere, and an integer that does not fit in 64 bits,
 *    are errors (libvirt truncates or wraps).
 *
 * This file owns only the syntax: the keys a file may hold and the types
 * and ranges of their values are the caller's.  It reads no file itself.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum {
    QV_CONF_STRING,
    QV_CONF_INT,
    QV_CONF_LIST,
    QV_CONF_TYPE_LAST
} QvConfType;

/* "a string", "an integer", "a list": for "expected X, got Y" messages */
const char *qv_conf_type_to_string(QvConfType type);

typedef struct QvConfValue QvConfValue;
struct QvConfValue {
    QvConfType type;
    size_t line;                /* where the value starts (1-based) */
    char *str;                  /* STRING: never holds a NUL byte */
    int64_t num;                /* INT */
    bool negative;              /* INT: written with a '-', which libvirt's
                                 * unsigned and boolean getters refuse even
                                 * for "-0" */
    QvConfValue *items;         /* LIST: strings and integers only */
    size_t nitems;
};

typedef struct {
    char *key;
    size_t line;                /* of the key (1-based) */
    QvConfValue value;
} QvConfEntry;

typedef struct {
    char *origin;               /* the name used in messages */
    QvConfEntry *entries;       /* in the order of the text */
    size_t nentries;
} QvConfFile;

/*
 * Parse @len bytes of @text (which need not be NUL-terminated); @origin
 * names it in messages ("/etc/qvirt/qemu.conf:3: ...").  A key given
 * twice gives two entries: whether that is an error is the caller's call.
 * Errors are QV_ERR_PARSE.
 */
QvConfFile *qv_conf_file_parse(const char *text, size_t len,
                               const char *origin, GError **error);
void qv_conf_file_free(QvConfFile *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvConfFile, qv_conf_file_free)

/* The first entry of @key, or NULL */
const QvConfEntry *qv_conf_file_lookup(const QvConfFile *conf, const char *key);

G_END_DECLS
