/*
 * qv-seclabel: copy, compare and free per-element security labels.
 */
#include "storage/qv-seclabel.h"

#include "storage/qv-source.h"

void
qv_seclabel_clear(QvSecLabelDef *sl)
{
    g_clear_pointer(&sl->model, g_free);
    g_clear_pointer(&sl->label, g_free);
}

QvSecLabelDef *
qv_seclabels_copy(const QvSecLabelDef *from, size_t n)
{
    QvSecLabelDef *to = n ? g_new0(QvSecLabelDef, n) : NULL;

    for (size_t i = 0; i < n; i++) {
        to[i] = from[i];
        to[i].model = g_strdup(from[i].model);
        to[i].label = g_strdup(from[i].label);
    }
    return to;
}

bool
qv_seclabels_equal(const QvSecLabelDef *a, size_t na, const QvSecLabelDef *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        if (g_strcmp0(a[i].model, b[i].model) != 0 || a[i].relabel != b[i].relabel ||
            g_strcmp0(a[i].label, b[i].label) != 0 || a[i].labelskip != b[i].labelskip)
            return false;
    }
    return true;
}

void
qv_seclabels_free(QvSecLabelDef *sl, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qv_seclabel_clear(&sl[i]);
    g_free(sl);
}

const QvSecLabelDef *
qv_source_dac_seclabel(const QvStorageSource *src)
{
    for (size_t i = 0; src && i < src->nseclabels; i++) {
        if (g_strcmp0(src->seclabels[i].model, "dac") == 0)
            return &src->seclabels[i];
    }
    return NULL;
}
