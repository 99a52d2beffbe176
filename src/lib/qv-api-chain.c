/*
 * qv-api-chain: the backing chain of an image as the public API offers
 * it: read natively from the image headers, written as text, JSON or
 * domain XML.  It uses only util, storage and the XML *writer* of conf,
 * so that the qvirt executable links it (for `qvirt chain`) without
 * libxml2; it is also part of libqvirt.so.
 */
#include <string.h>

#include "qvirt/qvirt.h"
#include "conf/qv-source-xml.h"
#include "storage/qv-chain.h"
#include "storage/qv-chain-json.h"
#include "util/qv-error.h"

struct _QvirtChain {
    QvStorageSource *top;
};

QvirtChain *
qvirt_chain_open(const char *path, const char *format, unsigned int flags, GError **error)
{
    QvStorageSource *top;
    QvirtChain *chain;
    int fmt = QV_FORMAT_NONE;

    if (flags) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "chain: unsupported flags 0x%x", flags);
        return NULL;
    }
    if (format &&
        ((fmt = qv_format_from_string(format)) < 0 || fmt == QV_FORMAT_NONE)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "chain: unknown format '%s' (known: raw, iso, qcow, qcow2, qed, vmdk, vdi, vpc, vhdx, luks)",
                    format);
        return NULL;
    }
    if (!(top = qv_chain_open(path, (QvFormat)fmt, error)))
        return NULL;
    chain = g_new0(QvirtChain, 1);
    chain->top = top;
    return chain;
}

void
qvirt_chain_free(QvirtChain *chain)
{
    if (!chain)
        return;
    qv_source_free(chain->top);
    g_free(chain);
}

static char *
size_text(uint64_t bytes)
{
    g_autofree char *h = g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);

    return g_strdup_printf("%s (%" G_GUINT64_FORMAT " bytes)", h, bytes);
}

typedef struct {
    GString *out;
    bool flat;
} TextCtx;

static void
text_element(const QvStorageSource *src, size_t index, gssize parent,
             unsigned int depth, void *opaque)
{
    TextCtx *t = opaque;
    GString *o = t->out;
    g_autofree char *where = qv_source_describe(src);

    if (t->flat) {
        g_autofree char *par = parent < 0 ? g_strdup("-") :
                               g_strdup_printf("%zd", parent);

        g_string_append_printf(o, "%-5zu %-6s %-6s %15" G_GUINT64_FORMAT " %15" G_GUINT64_FORMAT " %s\n",
                               index, par,
                               src->format == QV_FORMAT_NONE ? "-" :
                               qv_format_to_string(src->format),
                               src->capacity, src->allocation, where);
        return;
    }

    g_string_append_printf(o, "[%zu] %s\n", index, where);
    if (parent >= 0)
        g_string_append_printf(o, "    parent:        %zd\n", parent);
    if (src->type == QV_STORAGE_QUORUM) {
        g_string_append_printf(o, "    quorum:        %zu children, threshold %u\n",
                               src->nbacking, src->threshold);
        return;
    }
    g_string_append_printf(o, "    format:        %s%s\n",
                           src->format == QV_FORMAT_NONE ? "unknown" :
                           qv_format_to_string(src->format),
                           src->format_probed ? " (probed)" : "");
    if (src->sizes_known) {
        g_autofree char *cap = size_text(src->capacity);
        g_autofree char *alloc = size_text(src->allocation);

        g_string_append_printf(o, "    virtual size:  %s\n", cap);
        g_string_append_printf(o, "    allocation:    %s\n", alloc);
    }
    if (src->encrypted)
        g_string_append_printf(o, "    encrypted:     %s\n", src->encryption ? src->encryption : "yes");
    if (src->data_file)
        g_string_append_printf(o, "    data file:     %s%s\n", src->data_file,
                               src->data_file_raw ? " (raw)" : "");
    if (src->backing_name)
        g_string_append_printf(o, "    backing file:  %s (format: %s)\n", src->backing_name,
                               src->backing_format == QV_FORMAT_NONE ? "not recorded" :
                               qv_format_to_string(src->backing_format));
    if (!src->backing_known)
        g_string_append(o, "    below:         not read (network source)\n");
}

char *
qvirt_chain_format(const QvirtChain *chain, int format, unsigned int flags, GError **error)
{
    bool flat = flags & QVIRT_CHAIN_FORMAT_FLAT;

    if (flags & ~(unsigned int)QVIRT_CHAIN_FORMAT_FLAT) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "chain format: unsupported flags 0x%x",
                    flags & ~(unsigned int)QVIRT_CHAIN_FORMAT_FLAT);
        return NULL;
    }
    switch ((QvirtChainFormat)format) {
    case QVIRT_CHAIN_FORMAT_JSON:
        return qv_chain_format_json(chain->top);
    case QVIRT_CHAIN_FORMAT_XML:
        return flat ? qv_source_xml_format_flat(chain->top) : qv_source_xml_format_disk(chain->top);
    case QVIRT_CHAIN_FORMAT_TEXT: {
        TextCtx t = { g_string_new(NULL), flat };

        if (flat)
            g_string_append_printf(t.out, "%-5s %-6s %-6s %15s %15s %s\n", "INDEX", "PARENT",
                                   "FORMAT", "VIRTUAL-SIZE", "ALLOCATION", "SOURCE");
        qv_chain_foreach(chain->top, text_element, &t);
        return g_string_free(t.out, FALSE);
    }
    }
    g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "chain format: unknown output format %d", format);
    return NULL;
}
