/*
 * qvirt: the command line.  Dispatches to one command from the table,
 * prints its error once as "qvirt: error: ..." and exits 1 on failure.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "qvirt-config.h"
#include "qvirt-cli.h"

static int cmd_help(int argc, char **argv, GError **error);
static int cmd_version(int argc, char **argv, GError **error);

static const QvCommand qv_cmd_help = {
    .name = "help",
    .args = "[COMMAND]",
    .summary = "show the commands, or the help of one command",
    .help = "Without COMMAND, lists every command. With COMMAND, shows its usage and options.",
    .run = cmd_help,
};

static const QvCommand qv_cmd_version = {
    .name = "version",
    .args = "",
    .summary = "print the version of qvirt",
    .help = "Prints 'qvirt VERSION'. The same as 'qvirt --version'.",
    .run = cmd_version,
};

char *qv_cli_root;

static const QvCommand *const commands[] = {
    &qv_cmd_chain,
    &qv_cmd_help,
    &qv_cmd_version,
};

/* Built in first; then the module, loaded only when it is needed */
static const QvCommand *
find_command(const char *name, GError **error)
{
    const QvCommand *const *mod;
    size_t n = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    }
    if (!(mod = qv_cli_module_commands(&n, error)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(mod[i]->name, name) == 0)
            return mod[i];
    }
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                "unknown command '%s'; run 'qvirt help' for the list", name);
    return NULL;
}

void
qv_cli_print_command_help(const QvCommand *cmd)
{
    printf("Usage: qvirt %s %s\n\n%s.\n\n%s\n", cmd->name, cmd->args,
           cmd->summary, cmd->help);
}

bool
qv_cli_parse(const QvCommand *cmd, const GOptionEntry *entries, int *argc,
             char ***argv, int min, int max, bool *help_shown, GError **error)
{
    gboolean help = FALSE;
    const GOptionEntry common[] = {
        { "root", 0, 0, G_OPTION_ARG_FILENAME, &qv_cli_root, "keep everything under DIR", "DIR" },
        { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "show help", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    int npos;

    *help_shown = false;
    g_option_context_set_help_enabled(ctx, FALSE);
    if (entries)
        g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_main_entries(ctx, common, NULL);
    if (!g_option_context_parse(ctx, argc, argv, error)) {
        g_prefix_error(error, "%s: ", cmd->name);
        return false;
    }
    if (help) {
        qv_cli_print_command_help(cmd);
        *help_shown = true;
        return false;
    }
    npos = *argc - 1;
    if (npos < min || npos > max) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: %s; usage: qvirt %s %s", cmd->name,
                    npos < min ? "missing arguments" : "too many arguments",
                    cmd->name, cmd->args);
        return false;
    }
    return true;
}

/* wide enough for the longest name (qemu-monitor-command) */
#define NAME_WIDTH 20

static void
print_overview(FILE *out)
{
    g_autoptr(GError) err = NULL;
    const QvCommand *const *mod;
    size_t n = 0;

    fprintf(out, "Usage: qvirt [--version] [--root DIR] COMMAND [ARGS...]\n\nCommands:\n");
    /* the storage commands, the domain commands, then help and version */
    fprintf(out, "  %-*s %s\n", NAME_WIDTH, qv_cmd_chain.name, qv_cmd_chain.summary);
    if ((mod = qv_cli_module_commands(&n, &err))) {
        for (size_t i = 0; i < n; i++) {
            if (!g_str_has_prefix(mod[i]->name, "__"))  /* internal */
                fprintf(out, "  %-*s %s\n", NAME_WIDTH, mod[i]->name, mod[i]->summary);
        }
    } else {
        fprintf(out, "  (domain commands unavailable: %s)\n", err->message);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (commands[i] != &qv_cmd_chain)
            fprintf(out, "  %-*s %s\n", NAME_WIDTH, commands[i]->name, commands[i]->summary);
    }
    fprintf(out, "\nRun 'qvirt help COMMAND' for the options of one command; 'man qvirt' for the whole manual.\n");
}

static int
cmd_help(int argc, char **argv, GError **error)
{
    const QvCommand *cmd;

    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    if (argc > 2) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                    "help takes at most one command name");
        return 1;
    }
    if (!(cmd = find_command(argv[1], error)))
        return 1;
    qv_cli_print_command_help(cmd);
    return 0;
}

static int
cmd_version(int argc, char **argv, GError **error)
{
    printf("qvirt %s\n", QVIRT_VERSION);
    return 0;
}

int
main(int argc, char **argv)
{
    const QvCommand *cmd;
    g_autoptr(GError) error = NULL;
    int ret;

    setlocale(LC_ALL, "");
    /* a global --root DIR may come before the command */
    while (argc >= 2 && g_str_has_prefix(argv[1], "--root")) {
        if (g_str_has_prefix(argv[1], "--root=")) {
            qv_cli_root = g_strdup(argv[1] + 7);
            argv++, argc--;
        } else if (strcmp(argv[1], "--root") == 0 && argc >= 3) {
            qv_cli_root = g_strdup(argv[2]);
            argv += 2, argc -= 2;
        } else {
            break;
        }
    }
    if (argc < 2) {
        print_overview(stderr);
        return 1;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cmd_version(argc - 1, argv + 1, NULL);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(stdout);
        return 0;
    }
    if (!(cmd = find_command(argv[1], &error))) {
        fprintf(stderr, "qvirt: error: %s\n", error->message);
        g_free(qv_cli_root);
        return 1;
    }
    ret = cmd->run(argc - 1, argv + 1, &error);
    g_free(qv_cli_root);
    if (error) {
        fprintf(stderr, "qvirt: error: %s\n", error->message);
        return 1;
    }
    return ret;
}
