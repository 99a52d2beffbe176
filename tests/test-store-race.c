/*
 * test-store-race: two processes define and undefine the same domain at
 * once, 200 times each, while this one reads the stored file: every read
 * is either "no such file" or one complete definition, and nothing but
 * the definition and the lock file is left at the end.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/qv-domain-store.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-paths.h"
#include "qv-test-util.h"

#define NAME "race"
#define UUID "5c1e7b0e-46a6-4d4c-9a43-2b1c0f0de3a1"
#define ROUNDS 200

typedef struct {
    char *root;
    QvPaths *paths;
    char *docs[2];
    char *file;
} Race;

/* Two complete documents of different sizes, large enough that a torn
 * write would span several write() calls */
static char *
make_doc(char fill, size_t pad)
{
    g_autofree char *filler = g_strnfill(pad, fill);

    return g_strdup_printf("<domain type='kvm'>\n  <name>" NAME "</name>\n  <uuid>" UUID "</uuid>\n  <description>%s</description>\n</domain>\n", filler);
}

/* Wait until the parent closes its write end, so both children start
 * together; the child's own copy of the write end goes first */
static void
wait_start(const int start[2])
{
    char c;

    close(start[1]);
    while (read(start[0], &c, 1) < 0 && errno == EINTR)
        ;
    close(start[0]);
}

static int
run_definer(Race *r, bool undefine_too)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainStore) store = qv_domain_store_open(r->paths, &err);

    if (!store)
        return 2;
    for (int i = 0; i < ROUNDS; i++) {
        if (undefine_too &&
            !qv_domain_store_undefine(store, NAME, &err)) {
            if (!g_error_matches(err, QV_ERROR, QV_ERR_NOT_FOUND)) {
                g_printerr("undefine: %s\n", err->message);
                return 1;
            }
            g_clear_error(&err);
        }
        if (!qv_domain_store_define(store, NAME, UUID, r->docs[(i + undefine_too) % 2], NULL, &err)) {
            g_printerr("define: %s\n", err->message);
            return 1;
        }
    }
    return 0;
}

static pid_t
spawn(Race *r, const int start[2], bool undefine_too)
{
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        wait_start(start);
        _exit(run_definer(r, undefine_too));
    }
    return pid;
}

/* One read of the stored file: absent, or exactly one of the documents */
static void
check_read(Race *r, QvDomainStore *store, unsigned int *seen)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    g_autofree char *via_store = NULL;

    if (!qv_file_read_all(r->file, &data, NULL, 1 << 20, &err)) {
        g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
        seen[2]++;
    } else if (strcmp(data, r->docs[0]) == 0) {
        seen[0]++;
    } else if (strcmp(data, r->docs[1]) == 0) {
        seen[1]++;
    } else {
        g_error("read a stored file of %zu bytes that is neither definition", strlen(data));
    }
    g_clear_error(&err);
    via_store = qv_domain_store_read(store, NAME, NULL, &err);
    if (via_store)
        g_assert_true(strcmp(via_store, r->docs[0]) == 0 || strcmp(via_store, r->docs[1]) == 0);
    else
        g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
}

static bool
child_done(pid_t *pid)
{
    int status;
    pid_t rc;

    if (*pid == 0)
        return true;
    rc = waitpid(*pid, &status, WNOHANG);
    g_assert_cmpint(rc, >=, 0);
    if (rc == 0)
        return false;
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    *pid = 0;
    return true;
}

static void
assert_leftovers(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *e;
    unsigned int n = 0;

    g_assert_nonnull(d);
    while ((e = g_dir_read_name(d))) {
        if (strcmp(e, ".lock") != 0 && strcmp(e, NAME ".xml") != 0)
            g_error("stray file '%s' left in '%s'", e, dir);
        n++;
    }
    /* the undefining child ends with a define */
    g_assert_cmpuint(n, ==, 2);
}

static void
test_race(void)
{
    Race r = { 0 };
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainStore) store = NULL;
    g_autofree char *dir = NULL;
    unsigned int seen[3] = { 0 };   /* doc 0, doc 1, absent */
    int start[2];
    pid_t a, b;

    r.root = qv_test_mkdtemp();
    r.paths = qv_paths_new(r.root, &err);
    g_assert_no_error(err);
    store = qv_domain_store_open(r.paths, &err);
    g_assert_no_error(err);
    r.docs[0] = make_doc('a', 100000);
    r.docs[1] = make_doc('b', 250000);
    r.file = qv_domain_store_file(store, NAME);
    dir = g_path_get_dirname(r.file);

    g_assert_cmpint(pipe(start), ==, 0);
    a = spawn(&r, start, false);
    b = spawn(&r, start, true);
    close(start[0]);
    close(start[1]);
    for (;;) {
        bool a_done = child_done(&a);
        bool b_done = child_done(&b);

        if (a_done && b_done)
            break;
        check_read(&r, store, seen);
    }
    check_read(&r, store, seen);
    g_test_message("reads: %u of doc a, %u of doc b, %u absent", seen[0], seen[1], seen[2]);
    g_assert_cmpuint(seen[0] + seen[1], >, 0);
    assert_leftovers(dir);

    g_free(r.docs[0]);
    g_free(r.docs[1]);
    g_free(r.file);
    qv_paths_free(r.paths);
    qv_test_rmtree(r.root);
    g_free(r.root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/store/race", test_race);
    return g_test_run();
}
