/*
 * qvirt chain: show the backing chain of an image, read natively from
 * the image headers, as text, JSON, nested domain XML or a flat view.
 */
#include <stdio.h>

#include "qvirt-cli.h"
#include "storage/qv-chain.h"
#include "storage/qv-chain-json.h"
#include "util/qv-error.h"
#include "conf/qv-source-xml.h"

static char *
size_text(uint64_t bytes)
{
    g_autofree char *h = g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);

    return g_strdup_printf("%s (%" G_GUINT64_FORMAT " bytes)", h, bytes);
}

static void
text_element(const QvStorageSource *src, size_t index, gssize parent,
             unsigned int depth, void *opaque)
{
    g_autofree char *where = qv_source_describe(src);
    bool flat = *(bool *)opaque;

    if (flat) {
        g_autofree char *par = parent < 0 ? g_strdup("-") :
                               g_strdup_printf("%zd", parent);

        printf("%-5zu %-6s %-6s %15" G_GUINT64_FORMAT " %15" G_GUINT64_FORMAT " %s\n",
               index, par,
               src->format == QV_FORMAT_NONE ? "-" :
               qv_format_to_string(src->format),
               src->capacity, src->allocation, where);
        return;
    }

    printf("[%zu] %s\n", index, where);
    if (parent >= 0)
        printf("    parent:        %zd\n", parent);
    if (src->type == QV_STORAGE_QUORUM) {
        printf("    quorum:        %zu children, threshold %u\n",
               src->nbacking, src->threshold);
        return;
    }
    printf("    format:        %s%s\n",
           src->format == QV_FORMAT_NONE ? "unknown" :
           qv_format_to_string(src->format),
           src->format_probed ? " (probed)" : "");
    if (src->sizes_known) {
        g_autofree char *cap = size_text(src->capacity);
        g_autofree char *alloc = size_text(src->allocation);

        printf("    virtual size:  %s\n", cap);
        printf("    allocation:    %s\n", alloc);
    }
    if (src->encrypted)
        printf("    encrypted:     %s\n", src->encryption ? src->encryption : "yes");
    if (src->data_file)
        printf("    data file:     %s%s\n", src->data_file,
               src->data_file_raw ? " (raw)" : "");
    if (src->backing_name)
        printf("    backing file:  %s (format: %s)\n", src->backing_name,
               src->backing_format == QV_FORMAT_NONE ? "not recorded" :
               qv_format_to_string(src->backing_format));
    if (!src->backing_known)
        printf("    below:         not read (network source)\n");
}

static int
run_chain(int argc, char **argv, GError **error)
{
    g_autofree char *format = NULL;
    gboolean json = FALSE, xml = FALSE, flat = FALSE;
    const GOptionEntry entries[] = {
        { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "format of IMAGE", "FMT" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON for scripts", NULL },
        { "xml", 0, 0, G_OPTION_ARG_NONE, &xml, "libvirt domain XML", NULL },
        { "flat", 0, 0, G_OPTION_ARG_NONE, &flat, "one line/element per chain element with its parent", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvStorageSource) top = NULL;
    g_autofree char *path = NULL;
    int fmt = QV_FORMAT_NONE;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_chain, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (json && xml) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "chain: --json and --xml cannot be used together");
        return 1;
    }
    if (format &&
        ((fmt = qv_format_from_string(format)) < 0 || fmt == QV_FORMAT_NONE)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "chain: unknown format '%s' (known: raw, iso, qcow, qcow2, qed, vmdk, vdi, vpc, vhdx, luks)",
                    format);
        return 1;
    }

    /* relative names in the output would be relative to nothing the
     * reader knows: anchor IMAGE to the current folder, keeping the rest
     * as written (no symlink resolution, as QEMU opens it) */
    if (g_path_is_absolute(argv[1])) {
        path = g_strdup(argv[1]);
    } else {
        g_autofree char *cwd = g_get_current_dir();
        const char *rel = argv[1];

        while (rel[0] == '.' && rel[1] == '/')
            rel += 2;
        path = g_build_filename(cwd, rel, NULL);
    }
    if (!(top = qv_chain_open(path, (QvFormat)fmt, error)))
        return 1;

    if (json) {
        g_autofree char *out = qv_chain_format_json(top);

        fputs(out, stdout);
    } else if (xml) {
        g_autofree char *out = flat ? qv_source_xml_format_flat(top) :
                                      qv_source_xml_format_disk(top);

        fputs(out, stdout);
    } else {
        bool f = flat;

        if (f)
            printf("%-5s %-6s %-6s %15s %15s %s\n", "INDEX", "PARENT",
                   "FORMAT", "VIRTUAL-SIZE", "ALLOCATION", "SOURCE");
        qv_chain_foreach(top, text_element, &f);
    }
    return 0;
}

const QvCommand qv_cmd_chain = {
    .name = "chain",
    .args = "IMAGE [--format FMT] [--json] [--xml] [--flat]",
    .summary = "show the backing chain of an image, read from its headers",
    .help =
        "Reads IMAGE and every backing file below it natively (qemu-img is never run) and prints the whole chain, top first: per element its path or network address, format, virtual size, allocation and the backing string exactly as written.\n"
        "\n"
        "  -f, --format FMT  the format of IMAGE (raw, iso, qcow, qcow2, qed, vmdk, vdi, vpc, vhdx, luks).\n"
        "                    Without it the format is guessed, and a guessed image that names a backing\n"
        "                    file is refused: a raw disk can hold any header.\n"
        "  --json            stable JSON for scripts: {\"elements\": [...]}, each with index and parent\n"
        "  --xml             libvirt domain XML: <disk> with <source> and nested <backingStore>\n"
        "  --flat            one entry per element with its index and its parent's index\n"
        "                    (with --xml: <chain><element index= parent=>...)\n"
        "\n"
        "Exit status: 0 on success, 1 with a one-line error on stderr otherwise.",
    .run = run_chain,
};
