/*
 * qv-uuid: UUID text forms (see the header).
 */
#include "util/qv-uuid.h"

bool
qv_uuid_canonical(const char *s, char out[QV_UUID_STRING_LEN])
{
    char hex[33];
    size_t n = 0;

    if (!s)
        return false;
    while (g_ascii_isspace(*s))
        s++;
    for (; *s && !g_ascii_isspace(*s); s++) {
        if (*s == '-' && n > 0 && n < 32)
            continue;
        if (!g_ascii_isxdigit(*s) || n == 32)
            return false;
        hex[n++] = g_ascii_tolower(*s);
    }
    while (g_ascii_isspace(*s))
        s++;
    if (*s || n != 32)
        return false;
    hex[32] = '\0';
    g_snprintf(out, QV_UUID_STRING_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
               hex + 16, hex + 20);
    return true;
}
