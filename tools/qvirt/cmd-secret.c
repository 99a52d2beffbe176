/*
 * cmd-secret: the secret store, as virsh's secret-* commands: define,
 * undefine, list, dumpxml, set-value, get-value.  A value is never taken
 * on the command line (every user sees it in ps, and it stays in the
 * shell's history): it comes from a file or, base64, on standard input.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/qv-cli-support.h"
#include "qvirt-cli.h"

extern const QvCommand *const qv_secret_commands[];
extern const size_t qv_secret_ncommands;

static const QvCommand qv_cmd_secret_define, qv_cmd_secret_undefine, qv_cmd_secret_list,
    qv_cmd_secret_dumpxml, qv_cmd_secret_set_value, qv_cmd_secret_get_value;

/* The largest value file read; the store refuses more than 64 KiB anyway */
#define VALUE_FILE_MAX (256 * 1024)

static const char *const usage_names[] = { "none", "volume", "ceph", "iscsi", "tls", "vtpm" };

static QvirtSecret *
open_secret(QvirtConnect **conn, const char *uuid, GError **error)
{
    if (!(*conn = qvirt_connect_open(qv_cli_root, error)))
        return NULL;
    return qvirt_secret_lookup_by_uuid_string(*conn, uuid, error);
}

static int
run_define(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtSecret) secret = NULL;
    g_autofree char *xml = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_secret_define, NULL, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(xml = qv_cli_read_xml_file(argv[1], error)) ||
        !(conn = qvirt_connect_open(qv_cli_root, error)))
        return 1;
    if (!(secret = qvirt_secret_define_xml(conn, xml, 0, error))) {
        g_prefix_error(error, "%s: ", argv[1]);
        return 1;
    }
    printf("Secret %s created\n", qvirt_secret_get_uuid_string(secret));
    return 0;
}

static int
run_undefine(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtSecret) secret = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_secret_undefine, NULL, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(secret = open_secret(&conn, argv[1], error)) || qvirt_secret_undefine(secret, error) < 0)
        return 1;
    printf("Secret %s deleted\n", qvirt_secret_get_uuid_string(secret));
    return 0;
}

static int
run_list(int argc, char **argv, GError **error)
{
    gboolean eph = FALSE, no_eph = FALSE, priv = FALSE, no_priv = FALSE;
    const GOptionEntry entries[] = {
        { "ephemeral", 0, 0, G_OPTION_ARG_NONE, &eph, "only ephemeral secrets", NULL },
        { "no-ephemeral", 0, 0, G_OPTION_ARG_NONE, &no_eph, "only persistent secrets", NULL },
        { "private", 0, 0, G_OPTION_ARG_NONE, &priv, "only private secrets", NULL },
        { "no-private", 0, 0, G_OPTION_ARG_NONE, &no_priv, "only secrets whose value can be read", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    QvirtSecret **secrets = NULL;
    unsigned int flags;
    bool help_shown;
    int n;

    if (!qv_cli_parse(&qv_cmd_secret_list, entries, &argc, &argv, 0, 0, &help_shown, error))
        return help_shown ? 0 : 1;
    flags = (eph ? QVIRT_CONNECT_LIST_SECRETS_EPHEMERAL : 0) |
            (no_eph ? QVIRT_CONNECT_LIST_SECRETS_NO_EPHEMERAL : 0) |
            (priv ? QVIRT_CONNECT_LIST_SECRETS_PRIVATE : 0) |
            (no_priv ? QVIRT_CONNECT_LIST_SECRETS_NO_PRIVATE : 0);
    if (!(conn = qvirt_connect_open(qv_cli_root, error)) ||
        (n = qvirt_connect_list_all_secrets(conn, &secrets, flags, error)) < 0)
        return 1;
    printf(" %-36s   %s\n", "UUID", "Usage");
    printf("--------------------------------------------------------------------------------\n");
    for (int i = 0; i < n; i++) {
        int u = qvirt_secret_get_usage_type(secrets[i]);
        const char *id = qvirt_secret_get_usage_id(secrets[i]);

        if (u > QVIRT_SECRET_USAGE_TYPE_NONE && u < (int)G_N_ELEMENTS(usage_names))
            printf(" %-36s   %s %s\n", qvirt_secret_get_uuid_string(secrets[i]), usage_names[u], id);
        else
            printf(" %-36s   Unused\n", qvirt_secret_get_uuid_string(secrets[i]));
        qvirt_secret_free(secrets[i]);
    }
    g_free(secrets);
    return 0;
}

static int
run_dumpxml(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtSecret) secret = NULL;
    g_autofree char *xml = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_secret_dumpxml, NULL, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(secret = open_secret(&conn, argv[1], error)) ||
        !(xml = qvirt_secret_get_xml_desc(secret, 0, error)))
        return 1;
    fputs(xml, stdout);
    return 0;
}

/* Base64 text without blanks: only the alphabet, '=' at the end, whole quads */
static bool
valid_base64(const char *s, size_t len)
{
    size_t pad = 0;

    if (len == 0 || len % 4 != 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=') {
            pad++;
            continue;
        }
        if (pad || !(g_ascii_isalnum(s[i]) || s[i] == '+' || s[i] == '/'))
            return false;
    }
    return pad <= 2;
}

/* @text (wiped and freed here) as base64; @what names it in errors */
static guint8 *
decode_base64(char *text, size_t len, const char *what, gsize *out_len, GError **error)
{
    GString *clean = g_string_sized_new(len);
    guint8 *value = NULL;

    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isspace(text[i]))
            g_string_append_c(clean, text[i]);
    }
    explicit_bzero(text, len);
    g_free(text);
    if (valid_base64(clean->str, clean->len))
        value = g_base64_decode(clean->str, out_len);
    else
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "%s is not base64 (give the value base64-encoded, or use --file FILE --plain for raw bytes)",
                    what);
    explicit_bzero(clean->str, clean->len);
    g_string_free(clean, TRUE);
    return value;
}

static char *
read_stdin(size_t *len, GError **error)
{
    GString *buf = g_string_new(NULL);
    char chunk[4096];
    ssize_t n;

    while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0 && buf->len < VALUE_FILE_MAX)
        g_string_append_len(buf, chunk, n);
    explicit_bzero(chunk, sizeof(chunk));
    if (n < 0) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_IO, "cannot read the value from standard input");
        g_string_free(buf, TRUE);
        return NULL;
    }
    *len = buf->len;
    return g_string_free(buf, FALSE);
}

static int
run_set_value(int argc, char **argv, GError **error)
{
    g_autofree char *file = NULL;
    gboolean plain = FALSE;
    const GOptionEntry entries[] = {
        { "file", 0, 0, G_OPTION_ARG_FILENAME, &file, "read the value from FILE (base64 unless --plain)", "FILE" },
        { "plain", 0, 0, G_OPTION_ARG_NONE, &plain, "the file holds the raw value, not base64", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtSecret) secret = NULL;
    char *text = NULL;
    gsize len = 0, vlen = 0;
    guint8 *value;
    bool help_shown;
    int rc;

    if (!qv_cli_parse(&qv_cmd_secret_set_value, entries, &argc, &argv, 1, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if (argc > 2) {
        explicit_bzero(argv[2], strlen(argv[2]));
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "secret-set-value: the value is not taken on the command line (every user sees it in ps, and it stays in the shell's history); use --file FILE, or give it base64 on standard input");
        return 1;
    }
    if (plain && !file) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "secret-set-value: --plain needs --file FILE");
        return 1;
    }
    if (file && !g_file_get_contents(file, &text, &len, error))
        return 1;
    if (!file && !(text = read_stdin(&len, error)))
        return 1;
    if (len > VALUE_FILE_MAX) {
        explicit_bzero(text, len);
        g_free(text);
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_IO, "the value given is too large (more than %d bytes)", VALUE_FILE_MAX);
        return 1;
    }
    if (plain) {
        value = (guint8 *)text;
        vlen = len;
    } else if (!(value = decode_base64(text, len, file ? file : "the value on standard input", &vlen, error))) {
        return 1;
    }
    rc = (secret = open_secret(&conn, argv[1], error)) &&
         qvirt_secret_set_value(secret, value, vlen, 0, error) == 0 ? 0 : 1;
    explicit_bzero(value, vlen);
    g_free(value);
    if (rc == 0)
        printf("Secret value set\n");
    return rc;
}

static int
run_get_value(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtSecret) secret = NULL;
    unsigned char *value;
    size_t len = 0;
    char *b64;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_secret_get_value, NULL, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(secret = open_secret(&conn, argv[1], error)) ||
        !(value = qvirt_secret_get_value(secret, &len, 0, error)))
        return 1;
    b64 = g_base64_encode(value, len);
    explicit_bzero(value, len);
    g_free(value);
    printf("%s\n", b64);
    explicit_bzero(b64, strlen(b64));
    g_free(b64);
    return 0;
}

static const QvCommand qv_cmd_secret_define = {
    .name = "secret-define", .args = "FILE",
    .summary = "define or update a secret from libvirt's secret XML",
    .help = "FILE ('-': standard input) holds libvirt's secret XML: <secret ephemeral='no' private='no'> with <uuid> (generated when absent), <description> and <usage type='volume|ceph|iscsi|tls|vtpm'> with its <volume>, <name> or <target>. A secret of the same uuid is updated, its value kept; a usage another secret has is refused. The definition is stored 0600 under the config folder (an ephemeral one under the run folder, never written to the config folder). Disks name it in <encryption><secret type='passphrase' uuid=|usage=/> and <auth><secret type='ceph|iscsi' uuid=|usage=/>.",
    .run = run_define,
};

static const QvCommand qv_cmd_secret_undefine = {
    .name = "secret-undefine", .args = "UUID",
    .summary = "remove a secret and its value",
    .help = "Removes the definition and the value of secret UUID.",
    .run = run_undefine,
};

static const QvCommand qv_cmd_secret_list = {
    .name = "secret-list", .args = "[--ephemeral] [--no-ephemeral] [--private] [--no-private]",
    .summary = "list the secrets",
    .help = "One line per secret, sorted by uuid: its uuid and usage (type and volume, name or target), as virsh secret-list. The options filter; within each pair, giving both shows both.",
    .run = run_list,
};

static const QvCommand qv_cmd_secret_dumpxml = {
    .name = "secret-dumpxml", .args = "UUID",
    .summary = "show a secret's XML (never its value)",
    .help = "Prints the secret XML of UUID as stored, in libvirt's form.",
    .run = run_dumpxml,
};

static const QvCommand qv_cmd_secret_set_value = {
    .name = "secret-set-value", .args = "UUID [--file FILE [--plain]]",
    .summary = "set a secret's value, from a file or base64 on standard input",
    .help = "With --file FILE the value is read from FILE, which holds it base64-encoded (as virsh), or as raw bytes with --plain; without --file it is read, base64-encoded, from standard input. The value is never taken as an argument: every user would see it in ps. It is stored 0600 beside the definition, at most 64 KiB. Example: printf %s 'passphrase' | base64 | qvirt secret-set-value UUID",
    .run = run_set_value,
};

static const QvCommand qv_cmd_secret_get_value = {
    .name = "secret-get-value", .args = "UUID",
    .summary = "print a secret's value, base64-encoded",
    .help = "Prints the value of UUID base64-encoded, as virsh. A private secret (private='yes') is refused: its value is only ever handed to QEMU, as libvirt does.",
    .run = run_get_value,
};

/* Merged by the module into its command table */
const QvCommand *const qv_secret_commands[] = {
    &qv_cmd_secret_define,
    &qv_cmd_secret_undefine,
    &qv_cmd_secret_list,
    &qv_cmd_secret_dumpxml,
    &qv_cmd_secret_set_value,
    &qv_cmd_secret_get_value,
};
const size_t qv_secret_ncommands = G_N_ELEMENTS(qv_secret_commands);
