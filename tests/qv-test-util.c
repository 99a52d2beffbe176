/*
 * qv-test-util: shared test helpers.
 */
#include "qv-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *
qv_test_mkdtemp(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("qvirt-test-XXXXXX", &err);

    g_assert_no_error(err);
    /* QEMU runs as its own user (qvirt-qemu): it must get through the
     * folders to the images and files a test puts here */
    g_assert_cmpint(chmod(dir, 0755), ==, 0);
    return dir;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

void
qv_test_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
qv_test_run(const char *const *argv, char **out, char **err)
{
    g_autoptr(GError) error = NULL;
    int status = 0;

    /* output nobody asked for must not reach the TAP stream on stdout */
    if (!g_spawn_sync(NULL, (char **)argv, NULL,
                      G_SPAWN_SEARCH_PATH | (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL),
                      NULL, NULL, out, err, &status, &error))
        g_error("cannot run %s: %s", argv[0], error->message);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

void
qv_test_qemu_img(const char *first, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *a;
    va_list ap;
    int rc;

    g_ptr_array_add(argv, (char *)"qemu-img");
    va_start(ap, first);
    for (a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    rc = qv_test_run((const char *const *)argv->pdata, &out, &err);
    if (rc != 0)
        g_error("qemu-img %s failed (%d): %s", first, rc, err);
}

int
qv_test_qvirtv(char **out, char **err, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    const char *bin = g_getenv("QVIRT_BIN");
    const char *wrapper = g_getenv("QV_TEST_WRAPPER");

    g_assert_nonnull(bin);
    if (wrapper && *wrapper) {
        g_auto(GStrv) w = g_strsplit(wrapper, " ", -1);

        for (size_t i = 0; w[i]; i++) {
            if (*w[i])
                g_ptr_array_add(argv, g_strdup(w[i]));
        }
    }
    g_ptr_array_add(argv, g_strdup(bin));
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, g_strdup(args[i]));
    g_ptr_array_add(argv, NULL);
    return qv_test_run((const char *const *)argv->pdata, out, err);
}

int
qv_test_qvirt(char **out, char **err, const char *first, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    const char *a;
    va_list ap;

    va_start(ap, first);
    for (a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(args, (gpointer)a);
    va_end(ap);
    g_ptr_array_add(args, NULL);
    return qv_test_qvirtv(out, err, (const char *const *)args->pdata);
}

void
qv_test_write_at(const char *path, long offset, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, data, len, offset), ==, (ssize_t)len);
    close(fd);
}

void
qv_test_golden(const char *rel, const char *actual)
{
    const char *datadir = g_getenv("QV_TEST_DATA");
    g_autofree char *path = NULL;
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(datadir);
    path = g_build_filename(datadir, rel, NULL);
    if (g_strcmp0(g_getenv("QV_TEST_REGENERATE"), "1") == 0) {
        g_autofree char *dir = g_path_get_dirname(path);

        g_mkdir_with_parents(dir, 0755);
        g_file_set_contents(path, actual, -1, &err);
        g_assert_no_error(err);
        return;
    }
    if (!g_file_get_contents(path, &expected, NULL, &err))
        g_error("golden file '%s' is missing (run with QV_TEST_REGENERATE=1 and review the diff): %s",
                path, err->message);
    if (strcmp(expected, actual) != 0) {
        g_printerr("--- expected %s\n%s\n+++ actual\n%s\n", path, expected,
                   actual);
        g_error("output differs from golden file '%s'", path);
    }
}

char *
qv_test_replace(const char *s, const char *needle, const char *repl)
{
    g_auto(GStrv) parts = g_strsplit(s, needle, -1);

    return g_strjoinv(repl, parts);
}

void
qv_test_run_self(const char *self, const char *path, const char *env_name)
{
    const char *argv[] = { self, "-p", path, NULL };
    int status;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        /* its TAP lines must not mix with ours; failures go to stderr */
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        g_setenv(env_name, "1", TRUE);
        execv(self, (char **)argv);
        _exit(127);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

char *
qv_test_enter_tmpdir(void)
{
    char *dir = qv_test_mkdtemp();

    g_assert_cmpint(chdir(dir), ==, 0);
    return dir;
}

void
qv_test_make_chain3(void)
{
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "base.qcow2", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", "base.qcow2",
                     "-F", "qcow2", "mid.qcow2", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", "mid.qcow2",
                     "-F", "qcow2", "top.qcow2", "1M", NULL);
}

bool
qv_test_valgrind_sample(unsigned int i)
{
    return !g_getenv("QV_TEST_VALGRIND") || i % 8 == 0;
}

GPtrArray *
qv_test_list_cases(const char *dir)
{
    g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"), dir, NULL);
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;

    g_assert_nonnull(d);
    while ((n = g_dir_read_name(d))) {
        if (g_str_has_suffix(n, ".xml") && !g_str_has_suffix(n, ".out.xml"))
            g_ptr_array_add(names, g_strndup(n, strlen(n) - 4));
    }
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    return names;
}
