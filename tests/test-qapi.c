/*
 * test-qapi: the QAPI schema validator against the schema of the QEMU
 * installed here.  main() starts QEMU once, fetches query-qmp-schema with
 * the QMP client, writes it to a temporary file (loaded back, so both
 * constructors are exercised) and kills QEMU before any test runs.  The
 * cases are rows {command, arguments, expected error text or NULL}.
 */
#include "qemu/qv-qapi.h"
#include "qemu/qv-qmp.h"

#include "util/qv-error.h"
#include "util/qv-json.h"
#include "qv-test-util.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 60000

static QvQapiSchema *schema;
static char *tmpdir;

static void
child_setup(gpointer data)
{
    /* even if the test aborts, QEMU dies with it */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* query-qmp-schema of the installed QEMU, written to @path */
static void
fetch_schema(const char *dir, const char *path)
{
    g_autofree char *sock = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmparg = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    const char *argv[] = {
        "qemu-system-x86_64", "-S", "-machine", "q35,accel=tcg",
        "-nodefaults", "-display", "none", "-qmp", qmparg, NULL
    };
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(QvQmp) qmp = NULL;
    json_object *ret = NULL;
    GPid pid = 0;
    int status;

    if (!g_spawn_async(dir, (char **)argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                       child_setup, NULL, &pid, &err))
        g_error("cannot start QEMU: %s", err->message);
    qmp = qv_qmp_connect_unix(sock, ctx, QMP_TIMEOUT_MS, &err);
    if (qmp && qv_qmp_handshake(qmp, QMP_TIMEOUT_MS, &err))
        qv_qmp_command_sync(qmp, "query-qmp-schema", NULL, QMP_TIMEOUT_MS, &ret, &err);
    g_clear_pointer(&qmp, qv_qmp_free);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (!ret)
        g_error("cannot fetch the QMP schema: %s", err->message);
    if (json_object_to_file_ext(path, ret, JSON_C_TO_STRING_PLAIN) < 0)
        g_error("cannot write '%s'", path);
    json_object_put(ret);
}

typedef struct {
    const char *name;
    const char *command;
    const char *args;     /* JSON; NULL: no arguments */
    const char *error;    /* NULL: valid */
} Case;

#define QCOW2_FILE "\"driver\": \"qcow2\", \"file\": {\"driver\": \"file\", \"filename\": \"/i/top.qcow2\"}"

static const Case cases[] = {
    /* valid */
    { "qcow2-chain", "blockdev-add",
      "{" QCOW2_FILE ", \"node-name\": \"top\", \"read-only\": false,"
      " \"discard\": \"unmap\", \"cache\": {\"direct\": true, \"no-flush\": false},"
      " \"backing\": {\"driver\": \"qcow2\", \"file\": {\"driver\": \"file\","
      " \"filename\": \"/i/mid.qcow2\", \"aio\": \"threads\"}, \"backing\":"
      " {\"driver\": \"qcow2\", \"file\": \"base-file\", \"backing\": null}}}", NULL },
    { "quorum", "blockdev-add",
      "{\"driver\": \"quorum\", \"node-name\": \"q\", \"vote-threshold\": 2,"
      " \"read-pattern\": \"quorum\", \"children\": [{\"driver\": \"raw\","
      " \"file\": {\"driver\": \"file\", \"filename\": \"/i/1.img\"}}, \"child2\","
      " {" QCOW2_FILE ", \"backing\": {\"driver\": \"qcow2\", \"file\": \"b\"}}]}", NULL },
    { "nbd-inet", "blockdev-add",
      "{\"driver\": \"nbd\", \"node-name\": \"n\", \"export\": \"disk\","
      " \"server\": {\"type\": \"inet\", \"host\": \"example.org\", \"port\": \"10809\"}}", NULL },
    { "nbd-unix", "blockdev-add",
      "{\"driver\": \"nbd\", \"server\": {\"type\": \"unix\", \"path\": \"/run/nbd.sock\"}}", NULL },
    { "raw-file", "blockdev-add",
      "{\"driver\": \"raw\", \"offset\": 512, \"size\": 1048576,"
      " \"file\": {\"driver\": \"file\", \"filename\": \"/i/x.img\"}}", NULL },
    { "no-args", "query-status", NULL, NULL },
    { "empty-args", "query-status", "{}", NULL },
    /* invalid */
    { "unknown-member", "blockdev-add", "{" QCOW2_FILE ", \"bogus\": 1}",
      "blockdev-add: 'bogus': unknown member" },
    { "unknown-nested", "blockdev-add",
      "{\"driver\": \"raw\", \"file\": {\"driver\": \"file\", \"filename\": \"/x\", \"nocache\": true}}",
      "blockdev-add: 'file.nocache': unknown member" },
    { "member-of-other-branch", "blockdev-add",
      "{" QCOW2_FILE ", \"vote-threshold\": 1}",
      "blockdev-add: 'vote-threshold': unknown member" },
    { "missing-required", "blockdev-add", "{\"driver\": \"file\"}",
      "blockdev-add: 'filename': missing required member" },
    { "missing-nested", "blockdev-add",
      "{" QCOW2_FILE ", \"backing\": {\"driver\": \"qcow2\"}}",
      "blockdev-add: 'backing.file': missing required member" },
    { "missing-tag", "blockdev-add", "{\"node-name\": \"x\"}",
      "blockdev-add: 'driver': missing required member" },
    { "wrong-enum", "blockdev-add",
      "{\"driver\": \"raw\", \"file\": {\"driver\": \"qcow2\", \"file\": \"x\","
      " \"backing\": {\"driver\": \"qcow3\"}}}",
      "blockdev-add: 'file.backing.driver': value 'qcow3' is not one of the enum values" },
    { "wrong-enum-member", "blockdev-add", "{" QCOW2_FILE ", \"discard\": \"trim\"}",
      "blockdev-add: 'discard': value 'trim' is not one of the enum values" },
    { "unknown-driver", "blockdev-add", "{\"driver\": \"floppy-disk\", \"node-name\": \"x\"}",
      "blockdev-add: 'driver': value 'floppy-disk' is not one of the enum values" },
    { "wrong-type-int", "blockdev-add",
      "{\"driver\": \"quorum\", \"vote-threshold\": \"2\", \"children\": []}",
      "blockdev-add: 'vote-threshold': expected an integer, got a string" },
    { "wrong-type-fraction", "blockdev-add",
      "{\"driver\": \"quorum\", \"vote-threshold\": 1.5, \"children\": []}",
      "blockdev-add: 'vote-threshold': expected an integer, got a number" },
    { "wrong-type-bool", "blockdev-add", "{" QCOW2_FILE ", \"read-only\": \"yes\"}",
      "blockdev-add: 'read-only': expected a boolean, got a string" },
    { "wrong-type-alternate", "blockdev-add", "{\"driver\": \"raw\", \"file\": 5}",
      "blockdev-add: 'file': expected an object or a string, got an integer" },
    { "wrong-type-backing", "blockdev-add", "{" QCOW2_FILE ", \"backing\": true}",
      "blockdev-add: 'backing': expected an object, a string or null, got a boolean" },
    { "null-not-allowed", "blockdev-add", "{\"driver\": \"raw\", \"file\": null}",
      "blockdev-add: 'file': expected an object or a string, got null" },
    { "wrong-array", "blockdev-add",
      "{\"driver\": \"quorum\", \"vote-threshold\": 1, \"children\": \"c\"}",
      "blockdev-add: 'children': expected an array, got a string" },
    { "array-element", "blockdev-add",
      "{\"driver\": \"quorum\", \"vote-threshold\": 1, \"children\":"
      " [\"a\", {\"driver\": \"qcow2\", \"file\": \"f\", \"backing\": {\"driver\": \"nope\"}}]}",
      "blockdev-add: 'children[1].backing.driver': value 'nope' is not one of the enum values" },
    { "socket-tag", "blockdev-add",
      "{\"driver\": \"nbd\", \"server\": {\"type\": \"inet6\", \"host\": \"h\"}}",
      "blockdev-add: 'server.type': value 'inet6' is not one of the enum values" },
    { "socket-missing", "blockdev-add",
      "{\"driver\": \"nbd\", \"server\": {\"type\": \"inet\", \"host\": \"h\"}}",
      "blockdev-add: 'server.port': missing required member" },
    { "not-an-object", "blockdev-add", "[1]",
      "blockdev-add: arguments: expected an object, got an array" },
    { "no-args-allowed", "query-status", "{\"verbose\": true}",
      "query-status: 'verbose': unknown member" },
};

static void
test_case(gconstpointer data)
{
    const Case *c = data;
    g_autoptr(json_object) args = c->args ? json_tokener_parse(c->args) : NULL;
    g_autoptr(GError) err = NULL;
    bool ok;

    g_assert_true(!c->args || args);
    ok = qv_qapi_validate_command_args(schema, c->command, args, &err);
    if (!c->error) {
        g_assert_no_error(err);
        g_assert_true(ok);
        return;
    }
    g_assert_false(ok);
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, c->error);
}

static void
test_unknown_command(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qv_qapi_schema_has_command(schema, "blockdev-add"));
    g_assert_false(qv_qapi_schema_has_command(schema, "blockdev-frobnicate"));
    /* an event or a type is not a command */
    g_assert_false(qv_qapi_schema_has_command(schema, "STOP"));
    g_assert_false(qv_qapi_schema_has_command(schema, "str"));
    g_assert_false(qv_qapi_validate_command_args(schema, "blockdev-frobnicate",
                                                 NULL, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_UNSUPPORTED);
    g_assert_cmpstr(err->message, ==, "QEMU has no QMP command 'blockdev-frobnicate'");
}

static void
test_events(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) data = json_tokener_parse(
        "{\"device\": \"vda\", \"len\": 10, \"offset\": 10, \"speed\": 0,"
        " \"type\": \"mirror\"}");

    g_assert_true(qv_qapi_validate_event_data(schema, "STOP", NULL, &err));
    g_assert_no_error(err);
    g_assert_true(qv_qapi_validate_event_data(schema, "BLOCK_JOB_READY", data, &err));
    g_assert_no_error(err);
    json_object_object_del(data, "len");
    g_assert_false(qv_qapi_validate_event_data(schema, "BLOCK_JOB_READY", data, &err));
    g_assert_cmpstr(err->message, ==, "BLOCK_JOB_READY: 'len': missing required member");
}

static void
test_load_errors(void)
{
    g_autofree char *bad = g_build_filename(tmpdir, "bad.json", NULL);
    g_autofree char *none = g_build_filename(tmpdir, "none.json", NULL);
    g_autoptr(GError) err = NULL;

    g_assert_null(qv_qapi_schema_load_file(none, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_true(g_file_set_contents(bad, "{\"return\": {}}", -1, NULL));
    g_assert_null(qv_qapi_schema_load_file(bad, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
    g_assert_true(g_str_has_suffix(err->message, "QMP schema is not a list of SchemaInfo"));
    g_clear_error(&err);
    g_assert_true(g_file_set_contents(bad, "[{\"name\": \"x\"}]", -1, NULL));
    g_assert_null(qv_qapi_schema_load_file(bad, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
}

int
main(int argc, char **argv)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    int rc;

    g_test_init(&argc, &argv, NULL);
    tmpdir = qv_test_mkdtemp();
    path = g_build_filename(tmpdir, "qmp-schema.json", NULL);
    fetch_schema(tmpdir, path);
    schema = qv_qapi_schema_load_file(path, &err);
    g_assert_no_error(err);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name = g_strdup_printf("/qapi/%s/%s", cases[i].command,
                                                cases[i].name);

        g_test_add_data_func(name, &cases[i], test_case);
    }
    g_test_add_func("/qapi/unknown-command", test_unknown_command);
    g_test_add_func("/qapi/events", test_events);
    g_test_add_func("/qapi/load-errors", test_load_errors);
    rc = g_test_run();
    qv_qapi_schema_free(schema);
    qv_test_rmtree(tmpdir);
    g_free(tmpdir);
    return rc;
}
