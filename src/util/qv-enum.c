/*
 * qv-enum: lookups in enum string tables.
 */
#include "util/qv-enum.h"

#include <string.h>

const char *
qv_enum_to_string(const char *const *table, size_t n, unsigned int v)
{
    return v < n ? table[v] : NULL;
}

int
qv_enum_from_string(const char *const *table, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (table[i] && strcmp(table[i], s) == 0)
            return (int)i;
    }
    return -1;
}
