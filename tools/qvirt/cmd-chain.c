/*
 * qvirt chain: show the backing chain of an image, read natively from
 * the image headers, as text, JSON, nested domain XML or a flat view.
 */
#include <stdio.h>

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"

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
    g_autoptr(QvirtChain) chain = NULL;
    g_autofree char *path = NULL;
    g_autofree char *out = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_chain, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (json && xml) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "chain: --json and --xml cannot be used together");
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
    if (!(chain = qvirt_chain_open(path, format, 0, error)) ||
        !(out = qvirt_chain_format(chain, json ? QVIRT_CHAIN_FORMAT_JSON :
                                   xml ? QVIRT_CHAIN_FORMAT_XML : QVIRT_CHAIN_FORMAT_TEXT,
                                   flat && !json ? QVIRT_CHAIN_FORMAT_FLAT : 0, error)))
        return 1;
    fputs(out, stdout);
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
