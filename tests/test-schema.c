/*
 * test-schema: schemas/domain.rng and qv_schema_validate().
 *
 * Every XML file in tests/data/schema/valid and tests/data/domain must
 * pass; every tests/data/schema/invalid/NAME.xml must fail with a message
 * containing the text of NAME.err (QV_TEST_REGENERATE=1 rewrites the .err
 * files with the full message, to be reviewed as a diff).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libxml/parser.h>

#include "util/qv-error.h"
#include "conf/qv-schema.h"
#include "qv-test-util.h"

#define CHILD_ENV "QV_TEST_SCHEMA_CHILD"

/*
 * Run test @path again in a fresh copy of this program (not a fork: the
 * cached schema or home folder must not carry over) and require success.
 * g_test_trap_subprocess() would do, but leaves a helper thread behind
 * that valgrind reports.
 */
static const char *self_path;

static void
run_self(const char *path)
{
    qv_test_run_self(self_path, path, CHILD_ENV);
}

static const char *
data_dir(void)
{
    const char *d = g_getenv("QV_TEST_DATA");

    g_assert_nonnull(d);
    return d;
}

static xmlDocPtr
read_doc(const char *path)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE |
                                XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    if (!doc)
        g_error("%s is not well-formed XML", path);
    return doc;
}

/* Validate @path under its base name, so messages do not depend on the checkout */
static bool
validate_file(const char *path, GError **error)
{
    xmlDocPtr doc = read_doc(path);
    g_autofree char *base = g_path_get_basename(path);
    bool ok = qv_schema_validate(doc, base, error);

    xmlFreeDoc(doc);
    return ok;
}

static void
test_valid(gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    if (!validate_file(data, &err))
        g_error("%s", err->message);
}

static void
test_invalid(gconstpointer data)
{
    const char *path = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *stem = g_strndup(path, strlen(path) - strlen(".xml"));
    g_autofree char *errfile = g_strconcat(stem, ".err", NULL);
    g_autofree char *expected = NULL;

    g_assert_false(validate_file(path, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_XML);
    if (g_strcmp0(g_getenv("QV_TEST_REGENERATE"), "1") == 0) {
        g_autofree char *text = g_strconcat(err->message, "\n", NULL);

        g_assert_true(g_file_set_contents(errfile, text, -1, NULL));
        return;
    }
    if (!g_file_get_contents(errfile, &expected, NULL, NULL))
        g_error("%s: no expected message file %s (got \"%s\")", path, errfile, err->message);
    g_strstrip(expected);
    if (!strstr(err->message, expected))
        g_error("%s: expected \"%s\" in \"%s\"", path, expected, err->message);
}

/* Messages name the document, the line and the element at fault */
static void
test_message_shape(void)
{
    const char *xml =
        "<domain type='kvm'>\n"
        "  <name>shape</name>\n"
        "  <devices>\n"
        "    <disk type='file'>\n"
        "      <driver name='qemu' type='raw' cache='sometimes'/>\n"
        "      <target dev='vda'/>\n"
        "    </disk>\n"
        "  </devices>\n"
        "</domain>\n";
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
    g_autoptr(GError) err = NULL;

    g_assert_false(qv_schema_validate(doc, "shape.xml", &err));
    g_assert_error(err, QV_ERROR, QV_ERR_XML);
    g_assert_cmpstr(err->message, ==, "shape.xml:5: element 'driver': Invalid attribute cache for element driver");
    xmlFreeDoc(doc);
}

/* libxml2 must not print anything, valid or not */
static void
test_quiet(void)
{
    g_autofree char *bad = g_build_filename(data_dir(), "schema", "invalid", "cache-bogus.xml", NULL);
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *log = g_build_filename(dir, "stderr", NULL);
    g_autofree char *printed = NULL;
    g_autoptr(GError) err = NULL;
    int saved = dup(STDERR_FILENO);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    dup2(fd, STDERR_FILENO);
    g_assert_false(validate_file(bad, &err));
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    g_assert_true(g_file_get_contents(log, &printed, NULL, NULL));
    g_assert_cmpstr(printed, ==, "");
    qv_test_rmtree(dir);
}

static gpointer
validate_thread(gpointer data)
{
    /* valgrind runs the threads one at a time, each validation slowly */
    int rounds = g_getenv("QV_TEST_VALGRIND") ? 3 : 20;

    for (int i = 0; i < rounds; i++) {
        g_autoptr(GError) err = NULL;

        if (!validate_file(data, &err))
            return g_strdup(err->message);
    }
    return NULL;
}

static void
test_threads(void)
{
    g_autofree char *path = g_build_filename(data_dir(), "schema", "valid", "full-domain.xml", NULL);
    GThread *threads[4];

    for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
        threads[i] = g_thread_new("validate", validate_thread, path);
    for (size_t i = 0; i < G_N_ELEMENTS(threads); i++) {
        g_autofree char *failure = g_thread_join(threads[i]);

        g_assert_null(failure);
    }
}

static void
test_path(void)
{
    const char *path = qv_schema_path();

    g_assert_nonnull(path);
    g_assert_true(g_str_has_suffix(path, "/domain.rng"));
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

/* An explicit QVIRT_SCHEMA_DIR is never replaced by another copy */
static void
test_env_missing(void)
{
    if (g_getenv(CHILD_ENV)) {
        xmlDocPtr doc = xmlReadMemory("<domain type='kvm'><name>x</name></domain>", 42, NULL, NULL, 0);
        g_autoptr(GError) err = NULL;

        g_setenv("QVIRT_SCHEMA_DIR", "/nonexistent/qvirt-schemas", TRUE);
        g_assert_null(qv_schema_path());
        g_assert_false(qv_schema_validate(doc, "x.xml", &err));
        g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
        g_assert_cmpstr(err->message, ==, "domain schema '/nonexistent/qvirt-schemas/domain.rng' (from QVIRT_SCHEMA_DIR) cannot be read");
        xmlFreeDoc(doc);
        return;
    }
    run_self("/schema/env-missing");
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Register one test per .xml file of @dir (absent folder: none) */
static size_t
add_dir_tests(GPtrArray *keep, const char *prefix, const char *dir,
              GTestDataFunc func)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *e;

    if (!d)
        return 0;
    while ((e = g_dir_read_name(d))) {
        if (g_str_has_suffix(e, ".xml"))
            g_ptr_array_add(names, g_strdup(e));
    }
    g_ptr_array_sort(names, compare_strings);
    for (size_t i = 0; i < names->len; i++) {
        char *name = g_ptr_array_index(names, i);
        char *path = g_build_filename(dir, name, NULL);
        g_autofree char *test = g_strdup_printf("%s/%.*s", prefix, (int)(strlen(name) - 4), name);

        g_ptr_array_add(keep, path);
        /* all in the plain run; a sample under valgrind (seconds each) */
        if (qv_test_valgrind_sample((unsigned int)i))
            g_test_add_data_func(test, path, func);
    }
    return names->len;
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *valid = NULL;
    g_autofree char *invalid = NULL;
    g_autofree char *domain = NULL;
    int rc;

    self_path = argv[0];
    g_test_init(&argc, &argv, NULL);
    valid = g_build_filename(data_dir(), "schema", "valid", NULL);
    invalid = g_build_filename(data_dir(), "schema", "invalid", NULL);
    domain = g_build_filename(data_dir(), "domain", NULL);

    g_test_add_func("/schema/path", test_path);
    g_test_add_func("/schema/env-missing", test_env_missing);
    g_test_add_func("/schema/message-shape", test_message_shape);
    g_test_add_func("/schema/quiet", test_quiet);
    g_test_add_func("/schema/threads", test_threads);
    g_assert_cmpuint(add_dir_tests(keep, "/schema/valid", valid, test_valid), >=, 10);
    g_assert_cmpuint(add_dir_tests(keep, "/schema/invalid", invalid, test_invalid), >=, 10);
    add_dir_tests(keep, "/schema/domain", domain, test_valid);
    rc = g_test_run();
    xmlCleanupParser();
    return rc;
}
