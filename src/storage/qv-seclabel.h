/*
 * qv-seclabel: the per-element security labels of a storage source,
 * libvirt's <seclabel> inside <source> (of a disk and of each
 * <backingStore>): <seclabel model='dac' relabel='no'/>, or
 * <seclabel model='dac' relabel='yes'><label>+107:+107</label></seclabel>.
 * Kept for every model so that they are written back; qvirt applies the
 * 'dac' one (security/qv-dac).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef enum {
    QV_SECLABEL_RELABEL_DEFAULT,    /* not given */
    QV_SECLABEL_RELABEL_YES,
    QV_SECLABEL_RELABEL_NO,
    QV_SECLABEL_RELABEL_LAST
} QvSecLabelRelabel;

typedef struct {
    char *model;                /* "dac", "selinux", ...; NULL: not given */
    QvSecLabelRelabel relabel;
    char *label;                /* <label>, or NULL */
    bool labelskip;             /* status only: libvirt's labelskip='yes' */
} QvSecLabelDef;

void qv_seclabel_clear(QvSecLabelDef *sl);
/* Copies of @n labels of @from */
QvSecLabelDef *qv_seclabels_copy(const QvSecLabelDef *from, size_t n);
bool qv_seclabels_equal(const QvSecLabelDef *a, size_t na, const QvSecLabelDef *b, size_t nb);
void qv_seclabels_free(QvSecLabelDef *sl, size_t n);

G_END_DECLS
