/*
 * qv-enum: string tables for enums.  Every enum has a _LAST sentinel and
 * a table of names; a NULL name is an "absent" default that is never
 * parsed or written.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *qv_enum_to_string(const char *const *table, size_t n,
                              unsigned int v);
/* -1 when @s is NULL or not in the table */
int qv_enum_from_string(const char *const *table, size_t n, const char *s);

/* Define prefix_to_string() and prefix_from_string() over @table */
#define QV_ENUM_IMPL(prefix, type, table) \
    const char *prefix##_to_string(type v) \
    { return qv_enum_to_string(table, G_N_ELEMENTS(table), (unsigned int)v); } \
    int prefix##_from_string(const char *s) \
    { return qv_enum_from_string(table, G_N_ELEMENTS(table), s); }

G_END_DECLS
