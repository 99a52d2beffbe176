/*
 * qv-chain-compare: validation of trusted chains (define --validate-chains).
 *
 * Files are compared by identity (device and inode), so '/a/./b.qcow2',
 * '/a/b.qcow2' and a symlink to it are the same element.
 */
#include "storage/qv-chain-compare.h"

#include <errno.h>
#include <sys/stat.h>

#include "storage/qv-chain.h"
#include "util/qv-error.h"

static char *
element_name(const QvStorageSource *src, size_t depth)
{
    g_autofree char *d = qv_source_describe(src);

    if (depth == 0)
        return g_strdup_printf("source '%s'", d);
    return g_strdup_printf("backingStore %zu ('%s')", depth, d);
}

static bool
same_location(const QvStorageSource *given, const QvStorageSource *actual,
              bool *given_missing)
{
    *given_missing = false;
    if (qv_source_is_local(given) && qv_source_is_local(actual)) {
        struct stat st;

        if (stat(given->path, &st) < 0) {
            *given_missing = errno == ENOENT;
            return false;
        }
        return actual->have_identity && st.st_dev == actual->dev &&
               st.st_ino == actual->ino;
    }
    if (given->type != actual->type || given->protocol != actual->protocol ||
        g_strcmp0(given->path, actual->path) != 0 ||
        given->nhosts != actual->nhosts)
        return false;
    for (size_t i = 0; i < given->nhosts; i++) {
        if (g_strcmp0(given->hosts[i].name, actual->hosts[i].name) != 0 ||
            g_strcmp0(given->hosts[i].socket, actual->hosts[i].socket) != 0)
            return false;
    }
    return true;
}

static bool
compare_element(const QvStorageSource *g, const QvStorageSource *a,
                const QvStorageSource *a_parent, size_t depth,
                const char *label, GError **error)
{
    g_autofree char *gname = element_name(g, depth);
    bool missing = false;

    if (depth > 0 && !same_location(g, a, &missing)) {
        g_autofree char *ad = qv_source_describe(a);

        if (missing)
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "%s: %s does not exist", label, gname);
        else
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "%s: %s differs from the images: '%s' names backing file '%s' ('%s')",
                        label, gname, a_parent->path, a_parent->backing_name, ad);
        return false;
    }
    if (g->format != QV_FORMAT_NONE && a->format != QV_FORMAT_NONE &&
        g->format != a->format) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "%s: %s has format '%s' in the XML but the images say '%s'",
                    label, gname, qv_format_to_string(g->format),
                    qv_format_to_string(a->format));
        return false;
    }
    return true;
}

bool
qv_chain_compare_with_images(const QvStorageSource *given, const char *label,
                             GError **error)
{
    g_autoptr(QvStorageSource) actual = NULL;
    g_autoptr(GError) err = NULL;
    const QvStorageSource *g = given;
    const QvStorageSource *a;
    const QvStorageSource *a_parent = NULL;
    size_t depth = 0;

    actual = qv_chain_open(given->path, given->format, &err);
    if (!actual) {
        g_set_error(error, QV_ERROR, err->code, "%s: %s", label, err->message);
        return false;
    }
    a = actual;
    for (;;) {
        if (!compare_element(g, a, a_parent, depth, label, error))
            return false;
        depth++;
        if (g->nbacking == 0) {
            if (g->backing_known && a->nbacking > 0) {
                g_autofree char *gname = element_name(g, depth - 1);

                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                            "%s: the XML ends the chain at %s, but the image names backing file '%s'",
                            label, gname, a->backing_name);
                return false;
            }
            return true;
        }
        if (a->nbacking == 0) {
            g_autofree char *gname = element_name(g->backing[0], depth);

            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "%s: the XML lists %s, but '%s' has no backing file",
                        label, gname, a->path);
            return false;
        }
        a_parent = a;
        g = g->backing[0];
        a = a->backing[0];
        if (!qv_source_is_local(a) || !qv_source_is_local(g))
            return compare_element(g, a, a_parent, depth, label, error);
    }
}
