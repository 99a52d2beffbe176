/*
 * qvirt-cli: the command table shared by the CLI's command files.
 *
 * Each command group lives in its own file and exports its QvCommand
 * entries; main.c dispatches on the first argument and prints the one
 * error a command returns, once.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

/* for the commands that print JSON */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

typedef struct {
    const char *name;
    const char *args;       /* "IMAGE [--format FMT] ..." */
    const char *summary;    /* one line */
    const char *help;       /* paragraphs for 'qvirt help NAME' */
    /* argv[0] is the command name; return 0 or set @error */
    int (*run)(int argc, char **argv, GError **error);
} QvCommand;

extern const QvCommand qv_cmd_chain;

/*
 * Commands that read domain XML live in the qvirt-conf module, so that
 * the executable does not load libxml2 for the others.  The module
 * exports qv_conf_commands[] and qv_conf_ncommands; it calls back into
 * the executable (qv_cli_parse, qv_cli_root), which exports them.
 */
#define QV_CONF_MODULE "qvirt-conf.so"

/* The module's commands; NULL with @error set when it cannot be loaded */
const QvCommand *const *qv_cli_module_commands(size_t *n, GError **error);

/* --root DIR given before the command (or to it), NULL otherwise */
extern char *qv_cli_root;

/*
 * Parse the options of @cmd (@entries NULL-terminated; --help and --root
 * are added) and check that between @min and @max positional arguments
 * remain (argv[1..]).  Returns false with @error set on a usage error,
 * or with *help_shown set after printing the help.
 */
bool qv_cli_parse(const QvCommand *cmd, const GOptionEntry *entries,
                  int *argc, char ***argv, int min, int max,
                  bool *help_shown, GError **error);

/* virsh's names of a QvirtDomainState and of its reasons (NULL for
 * UNKNOWN), in cmd-domain.c */
const char *qv_cli_state_name(int state);
const char *qv_cli_reason_name(int state, int reason);

/* A readable line for a disk health event (QUORUM_REPORT_BAD,
 * QUORUM_FAILURE, BLOCK_IO_ERROR), or NULL; in cmd-quorum.c */
char *qv_cli_health_event_text(const char *event, json_object *data);

/* Print "Usage: ..." and the help of @cmd to stdout */
void qv_cli_print_command_help(const QvCommand *cmd);
