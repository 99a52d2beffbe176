/*
 * qvirt-cli: the command table shared by the CLI's command files.
 *
 * Each command group lives in its own file and exports its QvCommand
 * entries; main.c dispatches on the first argument and prints the one
 * error a command returns, once.
 */
#pragma once

#include <glib.h>

typedef struct {
    const char *name;
    const char *args;       /* "IMAGE [--format FMT] ..." */
    const char *summary;    /* one line */
    const char *help;       /* paragraphs for 'qvirt help NAME' */
    /* argv[0] is the command name; return 0 or set @error */
    int (*run)(int argc, char **argv, GError **error);
} QvCommand;

extern const QvCommand qv_cmd_chain;

/* Print "Usage: ..." and the help of @cmd to stdout */
void qv_cli_print_command_help(const QvCommand *cmd);
