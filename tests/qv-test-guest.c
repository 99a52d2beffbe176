/*
 * qv-test-guest: helpers of the tests that run guests with real QEMU
 * (test-guest, test-blockjob): one --root per test, definitions, images,
 * states; every QEMU a test saw is killed at the end, whatever happened.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qv-test-guest.h"

#include "supervisor/qv-status.h"

char *tmp;
GArray *qemu_pids;



void
env_init(Env *e, const char *name)
{
    e->root = g_build_filename(tmp, name, NULL);
    e->dir = g_build_filename(e->root, "img", NULL);
    g_assert_cmpint(g_mkdir_with_parents(e->dir, 0755), ==, 0);
}

void
env_clear(Env *e)
{
    g_free(e->root);
    g_free(e->dir);
}

/* Run qvirt --root ROOT ARGS...; returns the exit status */
int
qv(Env *e, char **out, char **err, const char *a1, const char *a2,
   const char *a3)
{
    return qv_test_qvirt(out, err, "--root", e->root, a1, a2, a3, NULL);
}

void
qv_ok(Env *e, char **out, const char *a1, const char *a2, const char *a3)
{
    g_autofree char *err = NULL;
    int rc = qv(e, out, &err, a1, a2, a3);

    if (rc != 0)
        g_error("qvirt %s %s failed (%d): %s", a1, a2, rc, err);
}

void
define(Env *e, const char *name, const char *devices)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>%s</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>%s</devices></domain>",
        name, devices);
    g_autofree char *abs = qv_test_replace(xml, "@DIR@", e->dir);
    g_autofree char *path = g_build_filename(e->root, "def.xml", NULL);

    g_assert_true(g_file_set_contents(path, abs, -1, NULL));
    qv_ok(e, NULL, "define", path, NULL);
}

char *
file_disk(const char *dev, const char *file, const char *extra)
{
    return g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='@DIR@/%s'%s/><target dev='%s' bus='virtio'/></disk>",
                           file, extra ? extra : "", dev);
}

char *
img(Env *e, const char *name)
{
    return g_build_filename(e->dir, name, NULL);
}

void
mkqcow(Env *e, const char *name, const char *backing)
{
    g_autofree char *p = img(e, name);

    if (backing)
        qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", backing,
                         "-F", "qcow2", p, "1M", NULL);
    else
        qv_test_qemu_img("create", "-q", "-f", "qcow2", p, "1M", NULL);
}

json_object *
runtime(Env *e, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s/var/lib/%s.runtime.json", e->root, name);
    g_autofree char *data = NULL;

    if (!g_file_get_contents(file, &data, NULL, NULL))
        return NULL;
    return json_tokener_parse(data);
}

pid_t
runtime_pid(Env *e, const char *name, const char *key)
{
    json_object *rt = runtime(e, name), *v = NULL;
    pid_t pid;

    g_assert_nonnull(rt);
    g_assert_true(json_object_object_get_ex(rt, key, &v));
    pid = (pid_t)json_object_get_int64(v);
    json_object_put(rt);
    if (strcmp(key, "qemu_pid") == 0)
        g_array_append_val(qemu_pids, pid);
    return pid;
}

char *
domstate(Env *e, const char *name)
{
    g_autofree char *out = NULL;

    qv_ok(e, &out, "domstate", name, "--reason");
    return g_strstrip(g_strdup(out));
}

void
assert_state(Env *e, const char *name, const char *want)
{
    g_autofree char *state = domstate(e, name);

    g_assert_cmpstr(state, ==, want);
}

/* Poll (with a deadline, never a fixed sleep) until domstate says @want */
void
wait_state(Env *e, const char *name, const char *want)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    g_autofree char *last = NULL;

    while (g_get_monotonic_time() < deadline) {
        g_free(last);
        last = domstate(e, name);
        if (strcmp(last, want) == 0)
            return;
        g_usleep(50 * 1000);
    }
    g_error("domain '%s' stayed '%s', expected '%s'", name, last, want);
}

void
assert_run_files_gone(Env *e, const char *name)
{
    const char *const files[][2] = { { "var/lib/", ".runtime.json" }, { "var/lib/", ".status.xml" },
                                     { "run/", ".sock" }, { "run/", ".qmp" } };

    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *p = g_strconcat(e->root, "/", files[i][0], name, files[i][1], NULL);

        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
    }
}

void
start_destroy(Env *e, const char *name, bool paused)
{
    g_autofree char *state = NULL;

    qv_ok(e, NULL, "start", name, paused ? "--paused" : NULL);
    runtime_pid(e, name, "qemu_pid");
    state = domstate(e, name);
    g_assert_cmpstr(state, ==, paused ? "paused (user)" : "running (booted)");
    qv_ok(e, NULL, "destroy", name, NULL);
    g_free(state);
    state = domstate(e, name);
    g_assert_cmpstr(state, ==, "shut off (destroyed)");
    assert_run_files_gone(e, name);
}


void
qv_test_guest_init(void)
{
    tmp = qv_test_mkdtemp();
    qemu_pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
}

void
qv_test_guest_cleanup(void)
{
    for (guint i = 0; i < qemu_pids->len; i++)
        kill(g_array_index(qemu_pids, pid_t, i), SIGKILL);
    g_array_unref(qemu_pids);
    qv_test_rmtree(tmp);
    g_free(tmp);
}

/* The leader of a process whose other threads still die is a zombie
 * already, while its fds (a listening socket) stay open until the last
 * thread is gone: true while /proc/PID/task has more than the leader */
static bool
threads_left(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/task", (int)pid);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    int n = 0;

    while (dir && g_dir_read_name(dir))
        n++;
    return n > 1;
}

void
kill_and_wait(pid_t pid)
{
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    unsigned long long start;

    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    while (qv_proc_start_time(pid, &start) || threads_left(pid)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(2000);
    }
}

void
assert_contains(const char *text, const char *want)
{
    if (!text || !strstr(text, want))
        g_error("'%s' does not contain '%s'", text ? text : "(null)", want);
}

void
start_async(StartAsync *a, const char *root, const char *name)
{
    start_async_cmd(a, root, "start", name, NULL);
}

void
start_async_cmd(StartAsync *a, const char *root, const char *cmd, const char *a1,
                const char *a2)
{
    const char *argv[] = { g_getenv("QVIRT_BIN"), "--root", root, cmd, a1, a2, NULL };

    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &a->pid,
                                           NULL, NULL, &a->errfd, NULL));
}

bool
start_wait(StartAsync *a, char **err)
{
    char buf[4096];
    ssize_t n = read(a->errfd, buf, sizeof(buf) - 1);
    int status;

    buf[n > 0 ? n : 0] = '\0';
    close(a->errfd);
    g_assert_cmpint(waitpid(a->pid, &status, 0), ==, a->pid);
    *err = NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    *err = g_strdup(buf);
    return false;
}
