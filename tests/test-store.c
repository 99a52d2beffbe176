/*
 * test-store: roots (qv-paths), file helpers (qv-file) and the domain
 * definition store (qv-domain-store).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/qv-domain-store.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-paths.h"
#include "qv-test-util.h"

#define CHILD_ENV "QV_TEST_STORE_CHILD"

#define UUID_A "11111111-2222-3333-4444-555555555555"
#define UUID_B "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define UUID_C "0123456789abcdef0123456789abcdef"

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

static char *
make_doc(const char *name, const char *uuid, size_t pad)
{
    g_autofree char *filler = g_strnfill(pad, 'x');

    return g_strdup_printf("<domain type='kvm'>\n  <name>%s</name>\n  <uuid>%s</uuid>\n  <description>%s</description>\n</domain>\n", name, uuid, filler);
}

static void
assert_paths(const QvPaths *p, const char *config, const char *state,
             const char *run)
{
    g_assert_cmpstr(p->config_dir, ==, config);
    g_assert_cmpstr(p->state_dir, ==, state);
    g_assert_cmpstr(p->run_dir, ==, run);
}

static void
test_paths_root(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvPaths) p = qv_paths_new("/srv/host1/", &err);
    g_autoptr(QvPaths) rel = NULL;
    g_autoptr(QvPaths) dots = qv_paths_new("/srv/a/../b", &err);
    g_autofree char *cwd = g_get_current_dir();
    g_autofree char *base = g_build_filename(cwd, "sim", "h2", NULL);
    g_autofree char *c = g_build_filename(base, "etc", NULL);
    g_autofree char *s = g_build_filename(base, "var", "lib", NULL);
    g_autofree char *r = g_build_filename(base, "run", NULL);

    g_assert_no_error(err);
    assert_paths(p, "/srv/host1/etc", "/srv/host1/var/lib", "/srv/host1/run");
    assert_paths(dots, "/srv/b/etc", "/srv/b/var/lib", "/srv/b/run");
    rel = qv_paths_new("sim/h2", &err);
    g_assert_no_error(err);
    assert_paths(rel, c, s, r);
    g_assert_null(qv_paths_new("", &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "root folder must not be empty");
}

static void
test_paths_env(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvPaths) env = NULL;
    g_autoptr(QvPaths) given = NULL;

    g_setenv("QVIRT_ROOT", "/tmp/qvirt-env-root", TRUE);
    env = qv_paths_new(NULL, &err);
    given = qv_paths_new("/given", &err);
    g_unsetenv("QVIRT_ROOT");
    g_assert_no_error(err);
    assert_paths(env, "/tmp/qvirt-env-root/etc", "/tmp/qvirt-env-root/var/lib", "/tmp/qvirt-env-root/run");
    assert_paths(given, "/given/etc", "/given/var/lib", "/given/run");
}

static void
test_paths_system(void)
{
    g_autoptr(QvPaths) p = NULL;

    if (geteuid() != 0) {
        g_test_skip("needs root: the system folders are root's");
        return;
    }
    g_unsetenv("QVIRT_ROOT");
    p = qv_paths_new(NULL, NULL);
    assert_paths(p, "/etc/qvirt", "/var/lib/qvirt", "/run/qvirt");
}

/* Other users get the XDG folders; as root, drop to nobody in a fresh child */
static void
test_paths_user(void)
{
    if (g_getenv(CHILD_ENV)) {
        g_autoptr(QvPaths) xdg = NULL;
        g_autoptr(QvPaths) home = NULL;

        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
            g_error("cannot drop to uid 65534: %s", g_strerror(errno));
        g_unsetenv("QVIRT_ROOT");
        g_setenv("HOME", "/home/tester", TRUE);
        g_setenv("XDG_CONFIG_HOME", "/x/config", TRUE);
        g_setenv("XDG_STATE_HOME", "/x/state", TRUE);
        g_setenv("XDG_RUNTIME_DIR", "/x/run", TRUE);
        xdg = qv_paths_new(NULL, NULL);
        assert_paths(xdg, "/x/config/qvirt", "/x/state/qvirt", "/x/run/qvirt");
        g_unsetenv("XDG_CONFIG_HOME");
        g_setenv("XDG_STATE_HOME", "relative/ignored", TRUE);
        g_unsetenv("XDG_RUNTIME_DIR");
        home = qv_paths_new(NULL, NULL);
        assert_paths(home, "/home/tester/.config/qvirt", "/home/tester/.local/state/qvirt", "/home/tester/.local/state/qvirt/run");
        return;
    }
    run_self("/paths/user");
}

static const struct {
    const char *name;
    const char *error;   /* NULL: accepted */
} name_rows[] = {
    { "web1", NULL },
    { "guest_with-dashes.and.dots", NULL },
    { "x", NULL },
    { "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac", NULL },
    { "with space", NULL },
    { "trailing.", NULL },
    { "a.xml", NULL },
    { "", "domain name must not be empty" },
    { ".hidden", "domain name '.hidden' must not start with '.'" },
    { "..", "domain name '..' must not start with '.'" },
    { "a/b", "domain name 'a/b' must not contain '/'" },
    { "/abs", "domain name '/abs' must not contain '/'" },
    { "tab\there", "domain name 'tab\\there' must not contain control characters" },
    { "new\nline", "domain name 'new\\nline' must not contain control characters" },
    { "del\x7f", "domain name 'del\\177' must not contain control characters" },
    { "bad\xff", "domain name 'bad\xef\xbf\xbd' is not valid UTF-8" },
};

static void
test_name_check(void)
{
    g_autofree char *max = g_strnfill(200, 'n');
    g_autofree char *over = g_strnfill(201, 'n');
    g_autoptr(GError) err = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(name_rows); i++) {
        g_autoptr(GError) row_err = NULL;
        bool ok = qv_domain_name_check(name_rows[i].name, &row_err);

        if (!name_rows[i].error) {
            g_assert_no_error(row_err);
            g_assert_true(ok);
            continue;
        }
        g_assert_false(ok);
        g_assert_error(row_err, QV_ERROR, QV_ERR_INVALID_ARG);
        g_assert_cmpstr(row_err->message, ==, name_rows[i].error);
    }
    g_assert_true(qv_domain_name_check(max, NULL));
    g_assert_false(qv_domain_name_check(over, &err));
    g_assert_cmpstr(err->message, ==, "domain name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is too long (201 bytes; at most 200)");
    g_clear_error(&err);
    g_assert_false(qv_domain_name_check(NULL, &err));
    g_assert_cmpstr(err->message, ==, "domain name must not be empty");
}

typedef struct {
    char *root;
    QvPaths *paths;
    QvDomainStore *store;
    char *dir;           /* ROOT/etc/domains */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer unused)
{
    g_autoptr(GError) err = NULL;

    f->root = qv_test_mkdtemp();
    f->paths = qv_paths_new(f->root, &err);
    g_assert_no_error(err);
    f->store = qv_domain_store_open(f->paths, &err);
    g_assert_no_error(err);
    f->dir = g_build_filename(f->root, "etc", "domains", NULL);
    g_assert_true(g_file_test(f->dir, G_FILE_TEST_IS_DIR));
}

static void
fixture_teardown(Fixture *f, gconstpointer unused)
{
    chmod(f->dir, 0755);
    qv_domain_store_free(f->store);
    qv_paths_free(f->paths);
    qv_test_rmtree(f->root);
    g_free(f->root);
    g_free(f->dir);
}

static void
define_ok(Fixture *f, const char *name, const char *uuid, const char *xml,
          bool expect_created)
{
    g_autoptr(GError) err = NULL;
    bool created = !expect_created;

    g_assert_true(qv_domain_store_define(f->store, name, uuid, xml, &created, &err));
    g_assert_no_error(err);
    g_assert_cmpint(created, ==, expect_created);
}

/* The folder holds exactly @expected (NULL-terminated, sorted) */
static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
assert_dir(const char *dir, const char *const *expected)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *e;
    size_t n = 0;

    g_assert_nonnull(d);
    while ((e = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(e));
    g_ptr_array_sort(names, compare_strings);
    for (; expected[n]; n++) {
        g_assert_cmpuint(n, <, names->len);
        g_assert_cmpstr(g_ptr_array_index(names, n), ==, expected[n]);
    }
    g_assert_cmpuint(names->len, ==, n);
}

static void
assert_list(QvDomainStore *store, const char *const *expected)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) names = qv_domain_store_list(store, &err);
    size_t n = 0;

    g_assert_no_error(err);
    for (; expected[n]; n++) {
        g_assert_cmpuint(n, <, names->len);
        g_assert_cmpstr(g_ptr_array_index(names, n), ==, expected[n]);
    }
    g_assert_cmpuint(names->len, ==, n);
}

static void
test_define_read(Fixture *f, gconstpointer unused)
{
    g_autofree char *doc_a = make_doc("web", UUID_A, 1);
    g_autofree char *doc_a2 = make_doc("web", UUID_A, 2);
    g_autofree char *doc_b = make_doc("db", UUID_B, 1);
    g_autoptr(GError) err = NULL;
    g_autofree char *name = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *by_uuid = NULL;
    g_autofree char *by_upper = NULL;

    assert_list(f->store, (const char *const[]){ NULL });
    define_ok(f, "web", UUID_A, doc_a, true);
    define_ok(f, "db", UUID_B, doc_b, true);
    define_ok(f, "web", UUID_A, doc_a2, false);
    assert_list(f->store, (const char *const[]){ "db", "web", NULL });
    assert_dir(f->dir, (const char *const[]){ ".lock", "db.xml", "web.xml", NULL });

    xml = qv_domain_store_read(f->store, "web", &name, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(xml, ==, doc_a2);
    g_assert_cmpstr(name, ==, "web");
    g_clear_pointer(&name, g_free);
    by_uuid = qv_domain_store_read(f->store, UUID_B, &name, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(by_uuid, ==, doc_b);
    g_assert_cmpstr(name, ==, "db");
    by_upper = qv_domain_store_read(f->store, "AAAAAAAABBBBCCCCDDDDEEEEEEEEEEEE", NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(by_upper, ==, doc_b);

    g_assert_true(qv_domain_store_undefine(f->store, "db", &err));
    g_assert_no_error(err);
    assert_list(f->store, (const char *const[]){ "web", NULL });
    g_assert_null(qv_domain_store_read(f->store, "db", NULL, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==, "domain 'db' is not defined");
    g_clear_error(&err);
    g_assert_null(qv_domain_store_read(f->store, UUID_B, NULL, &err));
    g_assert_cmpstr(err->message, ==, "domain '" UUID_B "' is not defined");
    g_clear_error(&err);
    g_assert_false(qv_domain_store_undefine(f->store, "db", &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==, "domain 'db' is not defined");
}

static void
test_bad_keys(Fixture *f, gconstpointer unused)
{
    g_autofree char *doc = make_doc("x", UUID_A, 1);
    g_autoptr(GError) err = NULL;

    g_assert_null(qv_domain_store_read(f->store, "../../etc/passwd", NULL, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==, "domain '../../etc/passwd' is not defined");
    g_clear_error(&err);
    g_assert_false(qv_domain_store_define(f->store, "../x", UUID_A, doc, NULL, &err));
    g_assert_cmpstr(err->message, ==, "domain name '../x' must not start with '.'");
    g_clear_error(&err);
    g_assert_false(qv_domain_store_define(f->store, "x", "not-a-uuid", doc, NULL, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "domain 'x': uuid 'not-a-uuid' is not a valid uuid");
    g_clear_error(&err);
    g_assert_false(qv_domain_store_undefine(f->store, "a/b", &err));
    g_assert_cmpstr(err->message, ==, "domain name 'a/b' must not contain '/'");
    assert_dir(f->dir, (const char *const[]){ NULL });
}

static void
test_uniqueness(Fixture *f, gconstpointer unused)
{
    g_autofree char *doc_a = make_doc("a", UUID_A, 1);
    g_autofree char *doc_other = make_doc("other", UUID_A, 1);
    g_autofree char *doc_a_new = make_doc("a", UUID_C, 1);
    g_autofree char *doc_nodash = make_doc("b", "11111111222233334444555555555555", 1);
    g_autofree char *stored = NULL;
    g_autoptr(GError) err = NULL;

    define_ok(f, "a", UUID_A, doc_a, true);
    g_assert_false(qv_domain_store_define(f->store, "other", UUID_A, doc_other, NULL, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "domain 'a' already exists with uuid '" UUID_A "'");
    g_clear_error(&err);
    /* the same uuid spelt differently is the same uuid */
    g_assert_false(qv_domain_store_define(f->store, "b", "11111111222233334444555555555555", doc_nodash, NULL, &err));
    g_assert_cmpstr(err->message, ==, "domain 'a' already exists with uuid '" UUID_A "'");
    g_clear_error(&err);
    g_assert_false(qv_domain_store_define(f->store, "a", UUID_C, doc_a_new, NULL, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "domain 'a' already exists with uuid '" UUID_A "'; the new definition has uuid '" UUID_C "'");
    stored = qv_domain_store_read(f->store, "a", NULL, NULL);
    g_assert_cmpstr(stored, ==, doc_a);
    assert_list(f->store, (const char *const[]){ "a", NULL });
}

static void
assert_untouched(Fixture *f, const char *doc)
{
    g_autofree char *stored = qv_domain_store_read(f->store, "vm", NULL, NULL);

    g_assert_cmpstr(stored, ==, doc);
    assert_dir(f->dir, (const char *const[]){ ".lock", "vm.xml", NULL });
}

/* A write that fails half-way (file size limit) keeps the old definition */
static void
test_atomic_failure(Fixture *f, gconstpointer unused)
{
    g_autofree char *old = make_doc("vm", UUID_A, 10);
    g_autofree char *big = make_doc("vm", UUID_A, 200000);
    g_autoptr(GError) err = NULL;
    struct rlimit saved, small;
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);

    define_ok(f, "vm", UUID_A, old, true);
    g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &saved), ==, 0);
    small = saved;
    small.rlim_cur = 65536;
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &small), ==, 0);
    g_assert_false(qv_domain_store_define(f->store, "vm", UUID_A, big, NULL, &err));
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &saved), ==, 0);
    signal(SIGXFSZ, oldsig);
    g_assert_error(err, QV_ERROR, QV_ERR_IO);
    g_assert_true(g_str_has_prefix(err->message, "cannot write temporary file '"));
    g_assert_true(g_str_has_suffix(err->message, g_strerror(EFBIG)));
    assert_untouched(f, old);
}

/* A folder nobody may write to: only meaningful when not root */
static void
test_readonly_folder(Fixture *f, gconstpointer unused)
{
    g_autofree char *old = make_doc("vm", UUID_A, 10);
    g_autofree char *new = make_doc("vm", UUID_A, 20);
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;

    define_ok(f, "vm", UUID_A, old, true);
    if (geteuid() == 0) {
        g_test_skip("root writes into read-only folders");
        return;
    }
    g_assert_cmpint(chmod(f->dir, 0555), ==, 0);
    g_assert_false(qv_domain_store_define(f->store, "vm", UUID_A, new, NULL, &err));
    g_assert_cmpint(chmod(f->dir, 0755), ==, 0);
    expected = g_strdup_printf("cannot create a temporary file in '%s' to write '%s/vm.xml': %s", f->dir, f->dir, g_strerror(EACCES));
    g_assert_cmpstr(err->message, ==, expected);
    assert_untouched(f, old);
}

/* A temporary file left by a writer that died is removed by the next define */
static void
test_stale_temp(Fixture *f, gconstpointer unused)
{
    g_autofree char *doc = make_doc("vm", UUID_A, 1);
    g_autofree char *stale = g_build_filename(f->dir, ".vm.xml.Ab12Cd.tmp", NULL);

    g_assert_true(g_file_set_contents(stale, "<dom", -1, NULL));
    assert_list(f->store, (const char *const[]){ NULL });
    define_ok(f, "vm", UUID_A, doc, true);
    assert_dir(f->dir, (const char *const[]){ ".lock", "vm.xml", NULL });
}

static void
test_file_write(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, "f.txt", NULL);
    g_autofree char *blocker = g_build_filename(dir, "plain", NULL);
    g_autofree char *below = g_build_filename(blocker, "f.txt", NULL);
    g_autofree char *expected = NULL;
    g_autofree char *data = NULL;
    g_autoptr(GError) err = NULL;
    struct stat st;

    g_assert_true(qv_file_write_atomic(path, "one", 3, 0640, &err));
    g_assert_true(qv_file_write_atomic(path, "two!", 4, 0640, &err));
    g_assert_no_error(err);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0640);
    g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
    g_assert_cmpstr(data, ==, "two!");

    g_assert_true(g_file_set_contents(blocker, "", 0, NULL));
    g_assert_false(qv_file_write_atomic(below, "x", 1, 0600, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_IO);
    expected = g_strdup_printf("cannot create a temporary file in '%s' to write '%s': %s", blocker, below, g_strerror(ENOTDIR));
    g_assert_cmpstr(err->message, ==, expected);
    qv_test_rmtree(dir);
}

static void
test_file_read(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, "data", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    g_autofree char *expected = NULL;
    g_autofree char *data = NULL;
    g_autoptr(GError) err = NULL;
    size_t len = 0;

    g_assert_true(g_file_set_contents(path, "0123456789", -1, NULL));
    g_assert_true(qv_file_read_all(path, &data, &len, 10, &err));
    g_assert_cmpstr(data, ==, "0123456789");
    g_assert_cmpuint(len, ==, 10);
    g_clear_pointer(&data, g_free);
    g_assert_false(qv_file_read_all(path, &data, NULL, 9, &err));
    expected = g_strdup_printf("file '%s' is larger than 9 bytes", path);
    g_assert_cmpstr(err->message, ==, expected);
    g_clear_error(&err);
    /* a stream whose size is unknown beforehand is capped too */
    g_assert_false(qv_file_read_all("/dev/zero", &data, NULL, 100000, &err));
    g_assert_cmpstr(err->message, ==, "file '/dev/zero' is larger than 100000 bytes");
    g_clear_error(&err);
    g_assert_false(qv_file_read_all(missing, &data, NULL, 9, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_null(data);
    qv_test_rmtree(dir);
}

static void
test_file_lock(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, "sub", ".lock", NULL);
    g_autofree char *sub = g_path_get_dirname(path);
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;
    int a, b, c;

    g_assert_true(qv_mkdir_p(sub, 0700, &err));
    g_assert_true(qv_mkdir_p(sub, 0700, &err));
    a = qv_file_lock(path, false, false, &err);
    b = qv_file_lock(path, false, false, &err);
    g_assert_no_error(err);
    g_assert_cmpint(a, >=, 0);
    g_assert_cmpint(b, >=, 0);
    /* flock is per open file: a second exclusive lock conflicts even here */
    g_assert_cmpint(qv_file_lock(path, true, false, &err), ==, -1);
    expected = g_strdup_printf("lock file '%s' is held by another process", path);
    g_assert_cmpstr(err->message, ==, expected);
    g_clear_error(&err);
    close(a);
    close(b);
    c = qv_file_lock(path, true, false, &err);
    g_assert_no_error(err);
    g_assert_cmpint(c, >=, 0);
    close(c);
    qv_test_rmtree(dir);
}

static void
test_mkdir_p(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *deep = g_build_filename(dir, "a", "b", "c", NULL);
    g_autofree char *file = g_build_filename(dir, "file", NULL);
    g_autofree char *under = g_build_filename(file, "d", NULL);
    g_autoptr(GError) err = NULL;

    g_assert_true(qv_mkdir_p(deep, 0755, &err));
    g_assert_true(g_file_test(deep, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_set_contents(file, "", 0, NULL));
    g_assert_false(qv_mkdir_p(under, 0755, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_IO);
    g_assert_true(g_str_has_prefix(err->message, "cannot create folder '"));
    qv_test_rmtree(dir);
}

#define ADD_STORE_TEST(path, func) \
    g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main(int argc, char **argv)
{
    self_path = argv[0];
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/paths/root", test_paths_root);
    g_test_add_func("/paths/env", test_paths_env);
    g_test_add_func("/paths/system", test_paths_system);
    g_test_add_func("/paths/user", test_paths_user);
    g_test_add_func("/file/write", test_file_write);
    g_test_add_func("/file/read", test_file_read);
    g_test_add_func("/file/lock", test_file_lock);
    g_test_add_func("/file/mkdir-p", test_mkdir_p);
    g_test_add_func("/store/name-check", test_name_check);
    ADD_STORE_TEST("/store/define-read", test_define_read);
    ADD_STORE_TEST("/store/bad-keys", test_bad_keys);
    ADD_STORE_TEST("/store/uniqueness", test_uniqueness);
    ADD_STORE_TEST("/store/atomic-failure", test_atomic_failure);
    ADD_STORE_TEST("/store/readonly-folder", test_readonly_folder);
    ADD_STORE_TEST("/store/stale-temp", test_stale_temp);
    return g_test_run();
}
