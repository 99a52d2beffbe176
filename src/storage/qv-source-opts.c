/*
 * qv-source-opts: copy, comparison and release of QvSourceOpts.
 */
#include "storage/qv-source-opts.h"

#include <string.h>

#include "util/qv-enum.h"

static const char *const yesno_names[] = { NULL, "yes", "no" };
G_STATIC_ASSERT(G_N_ELEMENTS(yesno_names) == QV_YESNO_LAST);
QV_ENUM_IMPL(qv_yesno, QvYesNo, yesno_names)

void
qv_source_opts_clear(QvSourceOpts *o)
{
    for (size_t i = 0; i < o->ncookies; i++) {
        g_free(o->cookies[i].name);
        g_free(o->cookies[i].value);
    }
    g_free(o->cookies);
    g_free(o->fdgroup);
    g_free(o->volume_mode);
    g_free(o->tls_hostname);
    g_free(o->initiator_iqn);
    g_free(o->nfs_group);
    g_free(o->pr_path);
    g_free(o->pr_mode);
    memset(o, 0, sizeof(*o));
}

void
qv_source_opts_deepen(QvSourceOpts *dst)
{
    QvCookie *cookies = dst->cookies;

    dst->cookies = cookies ? g_new0(QvCookie, dst->ncookies) : NULL;
    for (size_t i = 0; i < dst->ncookies; i++) {
        dst->cookies[i].name = g_strdup(cookies[i].name);
        dst->cookies[i].value = g_strdup(cookies[i].value);
    }
    dst->fdgroup = g_strdup(dst->fdgroup);
    dst->volume_mode = g_strdup(dst->volume_mode);
    dst->tls_hostname = g_strdup(dst->tls_hostname);
    dst->initiator_iqn = g_strdup(dst->initiator_iqn);
    dst->nfs_group = g_strdup(dst->nfs_group);
    dst->pr_path = g_strdup(dst->pr_path);
    dst->pr_mode = g_strdup(dst->pr_mode);
}

bool
qv_source_opts_equal(const QvSourceOpts *a, const QvSourceOpts *b)
{
    if (a->has_slice != b->has_slice || a->slice_offset != b->slice_offset ||
        a->slice_size != b->slice_size || a->tls != b->tls ||
        a->ncookies != b->ncookies || a->ssl_verify != b->ssl_verify ||
        a->readahead != b->readahead || a->timeout != b->timeout ||
        a->has_reservations != b->has_reservations || a->pr_managed != b->pr_managed ||
        a->nvme_namespace != b->nvme_namespace || a->nvme_managed != b->nvme_managed ||
        a->has_pci_address != b->has_pci_address ||
        a->pci_domain != b->pci_domain || a->pci_bus != b->pci_bus ||
        a->pci_slot != b->pci_slot || a->pci_function != b->pci_function ||
        a->reconnect != b->reconnect || a->reconnect_timeout != b->reconnect_timeout ||
        a->has_reconnect_timeout != b->has_reconnect_timeout)
        return false;
    if (g_strcmp0(a->fdgroup, b->fdgroup) != 0 ||
        g_strcmp0(a->volume_mode, b->volume_mode) != 0 ||
        g_strcmp0(a->tls_hostname, b->tls_hostname) != 0 ||
        g_strcmp0(a->initiator_iqn, b->initiator_iqn) != 0 ||
        g_strcmp0(a->nfs_group, b->nfs_group) != 0 ||
        g_strcmp0(a->pr_path, b->pr_path) != 0 ||
        g_strcmp0(a->pr_mode, b->pr_mode) != 0)
        return false;
    for (size_t i = 0; i < a->ncookies; i++) {
        if (g_strcmp0(a->cookies[i].name, b->cookies[i].name) != 0 ||
            g_strcmp0(a->cookies[i].value, b->cookies[i].value) != 0)
            return false;
    }
    return true;
}

void
qv_source_opts_add_cookie(QvSourceOpts *o, const char *name, const char *value)
{
    o->cookies = g_renew(QvCookie, o->cookies, o->ncookies + 1);
    o->cookies[o->ncookies].name = g_strdup(name);
    o->cookies[o->ncookies].value = g_strdup(value);
    o->ncookies++;
}
