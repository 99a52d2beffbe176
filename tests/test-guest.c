/*
 * test-guest: guests run by real QEMU (TCG), through the qvirt binary:
 * start/destroy, paused, chains of depth 1 and 1,000, quorum (with a
 * child chain, nested), startup policies, the modes of the state files,
 * supervisor kill and reattach, QEMU kill, concurrent starts.  Each test has its own --root; every QEMU
 * a test started is killed by pid at the end, whatever happened.
 */
#include <signal.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "util/qv-json.h"
#include "qv-test-guest.h"

static void
test_start_destroy(void)
{
    Env e;
    g_autofree char *d = NULL;
    g_autofree char *status = NULL;
    g_autofree char *path = NULL;
    g_autofree char *base = NULL;

    env_init(&e, "start-destroy");
    mkqcow(&e, "base.qcow2", NULL);
    base = img(&e, "base.qcow2");
    mkqcow(&e, "top.qcow2", base);
    d = file_disk("vda", "top.qcow2", NULL);
    define(&e, "vm", d);
    qv_ok(&e, NULL, "start", "vm", NULL);
    runtime_pid(&e, "vm", "qemu_pid");
    path = g_build_filename(e.root, "var/lib/vm.status.xml", NULL);
    g_assert_true(g_file_get_contents(path, &status, NULL, NULL));
    g_assert_nonnull(strstr(status, "base.qcow2"));
    qv_ok(&e, NULL, "destroy", "vm", NULL);
    assert_state(&e, "vm", "shut off (destroyed)");
    assert_run_files_gone(&e, "vm");
    env_clear(&e);
}

static void
test_paused(void)
{
    Env e;
    g_autofree char *d = NULL;
    g_autofree char *out = NULL;
    g_autofree char *events = NULL;

    env_init(&e, "paused");
    mkqcow(&e, "a.qcow2", NULL);
    d = file_disk("vda", "a.qcow2", NULL);
    define(&e, "vm", d);
    qv_ok(&e, NULL, "start", "vm", "--paused");
    runtime_pid(&e, "vm", "qemu_pid");
    assert_state(&e, "vm", "paused (user)");
    qv_ok(&e, NULL, "resume", "vm", NULL);
    assert_state(&e, "vm", "running (unpaused)");
    qv_ok(&e, NULL, "suspend", "vm", NULL);
    assert_state(&e, "vm", "paused (user)");
    qv_ok(&e, &out, "domblkinfo", "vm", "vda");
    g_assert_nonnull(strstr(out, "Capacity:       1048576"));
    qv_ok(&e, &events, "event", "vm", "--json");
    g_assert_nonnull(strstr(events, "\"RESUME\""));
    g_assert_nonnull(strstr(events, "\"STOP\""));
    qv_ok(&e, NULL, "destroy", "vm", NULL);
    env_clear(&e);
}

static void
test_shutdown_timeout(void)
{
    Env e;
    g_autofree char *d = NULL;
    g_autofree char *err = NULL;

    env_init(&e, "shutdown");
    mkqcow(&e, "a.qcow2", NULL);
    d = file_disk("vda", "a.qcow2", NULL);
    define(&e, "vm", d);
    qv_ok(&e, NULL, "start", "vm", NULL);
    runtime_pid(&e, "vm", "qemu_pid");
    /* no guest OS: nothing acts on the power button */
    g_assert_cmpint(qv_test_qvirt(NULL, &err, "--root", e.root, "shutdown", "vm",
                                  "--timeout", "1", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "did not shut down within 1 s"));
    assert_state(&e, "vm", "running (booted)");
    qv_ok(&e, NULL, "destroy", "vm", NULL);
    env_clear(&e);
}

/* 1,000 layers: one qemu-img layer copied with its backing name patched.
 * The names are absolute: with relative ones QEMU 7.2 rebuilds a json:
 * filename per layer when every node is given explicitly (see
 * qv-blockdev.c), which is quadratic in depth. */
/* l0000.qcow2 <- ... <- l{n-1}.qcow2 in @e's folder, with absolute or
 * relative backing names (a template image patched in place: qemu-img
 * per layer would take minutes) */
static void
make_chain(Env *e, int n, bool relative)
{
    g_autofree char *tmpl = img(e, "template.qcow2");
    g_autofree char *ph = relative ? g_strdup("l9999.qcow2") : img(e, "l9999.qcow2");
    g_autofree char *data = NULL;
    size_t phlen = strlen(ph);
    gsize len = 0;
    char *at;

    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512",
                     "-u", "-b", ph, "-F", "qcow2", tmpl, "1M", NULL);
    mkqcow(e, "l0000.qcow2", NULL);
    g_assert_true(g_file_get_contents(tmpl, &data, &len, NULL));
    g_assert_nonnull((at = memmem(data, len, ph, phlen)));
    for (int i = 1; i < n; i++) {
        g_autofree char *name = g_strdup_printf("l%04d.qcow2", i);
        g_autofree char *path = img(e, name);
        g_autofree char *bname = g_strdup_printf("l%04d.qcow2", i - 1);
        g_autofree char *bpath = relative ? g_strdup(bname) : img(e, bname);

        g_assert_cmpuint(strlen(bpath), ==, phlen);
        memcpy(at, bpath, phlen);
        g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    }
}

static void
test_deep_chain(void)
{
    Env e;
    g_autofree char *d = NULL;

    env_init(&e, "deep");
    make_chain(&e, 1000, false);
    d = file_disk("vda", "l0999.qcow2", NULL);
    define(&e, "deep", d);
    start_destroy(&e, "deep", true);
    env_clear(&e);
}

/*
 * Relative backing names: every layer is opened by the very string its
 * overlay names, from QEMU's working folder, so no node gets a json:
 * filename (the cost that makes explicit relative chains quadratic in
 * QEMU) and the chain QEMU has is the one qvirt describes.
 */
static void
test_relative_chain(void)
{
    Env e;
    g_autofree char *d = NULL;
    g_autofree char *out = NULL;
    g_autoptr(json_object) reply = NULL;
    json_object *nodes = NULL;
    size_t nformat = 0;

    env_init(&e, "relative");
    make_chain(&e, 300, true);
    d = file_disk("vda", "l0299.qcow2", NULL);
    define(&e, "rel", d);
    qv_ok(&e, NULL, "start", "rel", "--paused");
    runtime_pid(&e, "rel", "qemu_pid");
    qv_ok(&e, &out, "qemu-monitor-command", "rel",
          "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}");
    g_assert_nonnull((reply = json_tokener_parse(out)));
    g_assert_true(json_object_object_get_ex(reply, "return", &nodes));
    for (size_t i = 0; i < json_object_array_length(nodes); i++) {
        json_object *n = json_object_array_get_idx(nodes, i), *v = NULL;
        const char *name, *file;

        g_assert_true(json_object_object_get_ex(n, "node-name", &v));
        name = json_object_get_string(v);
        g_assert_true(json_object_object_get_ex(n, "file", &v));
        file = json_object_get_string(v);
        if (!g_str_has_prefix(file, "/")) {
            g_autofree char *full = img(&e, file);

            g_assert_true(g_file_test(full, G_FILE_TEST_EXISTS));
        }
        if (g_str_has_prefix(file, "json:"))
            g_error("node '%s' has a json: filename: %.200s", name, file);
        if (strstr(name, "-f"))
            nformat++;
    }
    g_assert_cmpuint(nformat, ==, 300);
    qv_ok(&e, NULL, "destroy", "rel", NULL);
    env_clear(&e);
}

static char *
child(const char *file, const char *tail)
{
    return g_strdup_printf("<backingStore type='file'><format type='qcow2'/><source file='@DIR@/%s'/>%s</backingStore>",
                           file, tail);
}

static void
test_quorum(void)
{
    Env e;
    g_autofree char *base = NULL;
    g_autofree char *devs = NULL;
    g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL, *n1 = NULL, *n2 = NULL;
    g_autofree char *c5 = NULL;

    env_init(&e, "quorum");
    for (int i = 1; i <= 5; i++) {
        g_autofree char *n = g_strdup_printf("q%d.qcow2", i);

        mkqcow(&e, n, NULL);
    }
    base = img(&e, "base.qcow2");
    mkqcow(&e, "base.qcow2", NULL);
    mkqcow(&e, "top.qcow2", base);
    c1 = child("q1.qcow2", "<backingStore/>");
    c2 = child("q2.qcow2", "<backingStore/>");
    /* the third child's chain is read from the images */
    c3 = child("top.qcow2", "");
    n1 = child("q3.qcow2", "<backingStore/>");
    n2 = child("q4.qcow2", "<backingStore/>");
    /* an image is written by one disk only: QEMU locks it */
    c5 = child("q5.qcow2", "<backingStore/>");
    devs = g_strdup_printf(
        "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/><threshold value='2'/>%s%s%s<target dev='vda' bus='virtio'/></disk>"
        "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/><threshold value='2'/>"
        "<backingStore type='quorum'><format type='quorum'/><threshold value='1'/>%s%s</backingStore>%s"
        "<target dev='vdb' bus='virtio'/></disk>",
        c1, c2, c3, n1, n2, c5);
    define(&e, "q", devs);
    start_destroy(&e, "q", false);
    /* the live XML: an index on every element, unique, and the aliases */
    qv_ok(&e, NULL, "start", "q", "--paused");
    runtime_pid(&e, "q", "qemu_pid");
    {
        g_autofree char *xml = NULL;
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        const char *p;
        guint elements = 0;

        qv_ok(&e, &xml, "dumpxml", "q", NULL);
        for (p = xml; (p = strstr(p, "<backingStore type=")); p++)
            elements++;
        /* both tops are quorums: their index rides on <threshold> */
        for (p = xml; (p = strstr(p, "<disk type='quorum'")); p++)
            elements++;
        for (p = xml; (p = strstr(p, " index='")); p++) {
            g_autofree char *n = g_strndup(p + 8, strcspn(p + 8, "'"));

            g_assert_true(g_hash_table_add(seen, g_steal_pointer(&n)));
        }
        g_assert_cmpuint(g_hash_table_size(seen), ==, elements);
        g_assert_nonnull(strstr(xml, "<alias name='virtio-disk0'/>"));
        g_assert_nonnull(strstr(xml, "<alias name='virtio-disk1'/>"));
        g_hash_table_foreach(seen, (GHFunc)(void (*)(void))g_free, NULL);
    }
    qv_ok(&e, NULL, "destroy", "q", NULL);
    env_clear(&e);
}

static void
test_startup_policy(void)
{
    Env e;
    g_autofree char *base = NULL, *mid = NULL, *devs = NULL, *out = NULL, *err = NULL;
    g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL, *cd = NULL;

    env_init(&e, "policy");
    base = img(&e, "base.qcow2");
    mid = img(&e, "mid.qcow2");
    mkqcow(&e, "base.qcow2", NULL);
    mkqcow(&e, "mid.qcow2", base);
    mkqcow(&e, "top.qcow2", mid);
    mkqcow(&e, "ok.qcow2", NULL);
    d1 = file_disk("vda", "ok.qcow2", NULL);
    d2 = file_disk("vdb", "gone.qcow2", " startupPolicy='optional'");
    cd = g_strdup("<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
                  "<source file='@DIR@/gone.iso' startupPolicy='optional'/>"
                  "<target dev='hdc' bus='ide'/><readonly/></disk>");
    devs = g_strconcat(d1, d2, cd, NULL);
    define(&e, "opt", devs);
    qv_ok(&e, &out, "start", "opt", NULL);
    runtime_pid(&e, "opt", "qemu_pid");
    g_assert_nonnull(strstr(out, "vdb"));
    g_assert_nonnull(strstr(out, "hdc"));
    qv_ok(&e, NULL, "destroy", "opt", NULL);

    /* mandatory, middle of the chain missing: refused, naming it */
    g_assert_cmpint(unlink(mid), ==, 0);
    d3 = file_disk("vda", "top.qcow2", NULL);
    define(&e, "mand", d3);
    g_assert_cmpint(qv(&e, NULL, &err, "start", "mand", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "mid.qcow2"));
    {
        g_autofree char *state = domstate(&e, "mand");

        g_assert_cmpstr(state, !=, "running (booted)");
    }
    env_clear(&e);
}

/* Every file under @dir (but in @images) is its owner's only; the names
 * seen are added to @seen */
static void
assert_private(const char *dir, const char *images, GHashTable *seen)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        struct stat st;

        g_assert_cmpint(lstat(path, &st), ==, 0);
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(path, images) != 0)
                assert_private(path, images, seen);
            continue;
        }
        if (st.st_mode & 077)
            g_error("'%s' has mode %04o: group or others can reach it", path, st.st_mode & 07777);
        g_hash_table_add(seen, g_strdup(name));
    }
}

/* All of a guest's files under the root (etc, var, run) are private; the
 * names of those @want lists are there */
static void
assert_guest_private(Env *e, const char *const *want, size_t nwant)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (size_t i = 0; i < 3; i++) {
        g_autofree char *top = g_build_filename(e->root, (const char *[]){ "etc", "var", "run" }[i], NULL);

        assert_private(top, e->dir, seen);
    }
    for (size_t i = 0; i < nwant; i++) {
        if (!g_hash_table_contains(seen, want[i]))
            g_error("no '%s' under '%s'", want[i], e->root);
    }
}

/* Guest output (serial log, QEMU's log) and state can hold secrets: the
 * files of a running guest, those qvirt writes, those QEMU creates and
 * those an older qvirt left world-readable, are 0600 like libvirt's logs */
static void
test_file_modes(void)
{
    static const char *const want[] = {
        "vm.log", "vm.serial.log", "vm.supervisor.log", "vm.events", "vm.runtime.json",
        "vm.status.xml", "vm.jobs.json", "s1.xml", "vm.sock", "vm.qmp", "vm.xml",
    };
    static const char *const logs[] = { "vm.log", "vm.serial.log", "vm.supervisor.log", "vm.events" };
    g_autofree char *d = NULL, *dest = NULL, *err = NULL;
    Env e;

    env_init(&e, "modes");
    mkqcow(&e, "a.qcow2", NULL);
    d = file_disk("vda", "a.qcow2", NULL);
    define(&e, "vm", d);
    qv_ok(&e, NULL, "start", "vm", NULL);
    runtime_pid(&e, "vm", "qemu_pid");
    if (qv_test_qvirt(NULL, &err, "--root", e.root, "snapshot-create-as", "vm", "s1", "--disk-only", NULL) != 0)
        g_error("snapshot-create-as failed: %s", err);
    /* 1 KiB/s: the job (and its record) is still there when looked at */
    dest = img(&e, "copy.qcow2");
    g_clear_pointer(&err, g_free);
    if (qv_test_qvirt(NULL, &err, "--root", e.root, "blockcopy", "vm", "vda", dest,
                      "--bandwidth", "1024", "--bytes", NULL) != 0)
        g_error("blockcopy failed: %s", err);
    assert_guest_private(&e, want, G_N_ELEMENTS(want));
    qv_ok(&e, NULL, "destroy", "vm", NULL);

    /* the logs kept from a start by an older qvirt, world-readable */
    for (size_t i = 0; i < G_N_ELEMENTS(logs); i++) {
        g_autofree char *p = g_build_filename(e.root, "var", "lib", logs[i], NULL);

        g_assert_cmpint(chmod(p, 0644), ==, 0);
    }
    qv_ok(&e, NULL, "start", "vm", NULL);
    runtime_pid(&e, "vm", "qemu_pid");
    assert_guest_private(&e, logs, G_N_ELEMENTS(logs));
    qv_ok(&e, NULL, "destroy", "vm", NULL);
    env_clear(&e);
}

static void
test_supervisor_kill(void)
{
    Env e;
    g_autofree char *d = NULL, *out = NULL;
    pid_t sup, sup2, qemu;

    env_init(&e, "supkill");
    mkqcow(&e, "a.qcow2", NULL);
    d = file_disk("vda", "a.qcow2", NULL);
    define(&e, "vm", d);
    qv_ok(&e, NULL, "start", "vm", NULL);
    qemu = runtime_pid(&e, "vm", "qemu_pid");
    sup = runtime_pid(&e, "vm", "supervisor_pid");
    kill_and_wait(sup);
    g_assert_cmpint(kill(qemu, 0), ==, 0);
    /* the next command reattaches */
    assert_state(&e, "vm", "running (unpaused)");
    sup2 = runtime_pid(&e, "vm", "supervisor_pid");
    g_assert_cmpint(sup2, !=, sup);
    g_assert_cmpint(runtime_pid(&e, "vm", "qemu_pid"), ==, qemu);
    qv_ok(&e, &out, "domblklist", "vm", NULL);
    g_assert_nonnull(strstr(out, "a.qcow2"));
    qv_ok(&e, NULL, "dominfo", "vm", NULL);
    /* killed again: destroy itself reattaches */
    kill_and_wait(sup2);
    qv_ok(&e, NULL, "destroy", "vm", NULL);
    assert_state(&e, "vm", "shut off (destroyed)");
    assert_run_files_gone(&e, "vm");
    env_clear(&e);
}

static void
test_qemu_kill(void)
{
    Env e;
    g_autofree char *d = NULL, *out = NULL;
    pid_t qemu;

    env_init(&e, "qemukill");
    mkqcow(&e, "a.qcow2", NULL);
    d = file_disk("vda", "a.qcow2", NULL);
    define(&e, "vm", d);
    qv_ok(&e, NULL, "start", "vm", NULL);
    qemu = runtime_pid(&e, "vm", "qemu_pid");
    g_assert_cmpint(kill(qemu, SIGKILL), ==, 0);
    wait_state(&e, "vm", "shut off (crashed)");
    qv_ok(&e, &out, "list", "--all", NULL);
    g_assert_nonnull(strstr(out, "shut off"));
    assert_run_files_gone(&e, "vm");
    env_clear(&e);
}

static void
test_concurrent_start(void)
{
    Env e;
    g_autofree char *d = NULL;
    StartAsync runs[2];
    int ok = 0, already = 0;

    env_init(&e, "concurrent");
    mkqcow(&e, "a.qcow2", NULL);
    d = file_disk("vda", "a.qcow2", NULL);
    define(&e, "vm", d);
    for (int i = 0; i < 2; i++)
        start_async(&runs[i], e.root, "vm");
    for (int i = 0; i < 2; i++) {
        g_autofree char *err = NULL;

        if (start_wait(&runs[i], &err))
            ok++;
        else if (strstr(err, "domain 'vm' is already running"))
            already++;
        else
            g_error("unexpected start failure: %s", err);
    }
    g_assert_cmpint(ok, ==, 1);
    g_assert_cmpint(already, ==, 1);
    runtime_pid(&e, "vm", "qemu_pid");
    qv_ok(&e, NULL, "destroy", "vm", NULL);
    env_clear(&e);
}

/* QEMU dying while it starts is reported with how it ended */
static void
test_qemu_crash_at_start(void)
{
    Env e;
    g_autofree char *script = NULL, *devs = NULL, *d = NULL, *err = NULL;

    env_init(&e, "crash-start");
    script = g_build_filename(e.dir, "fake-qemu", NULL);
    g_assert_true(g_file_set_contents(script, "#!/bin/sh\necho 'fake QEMU: giving up' >&2\nkill -SEGV $$\n", -1, NULL));
    g_assert_cmpint(chmod(script, 0755), ==, 0);
    mkqcow(&e, "a.qcow2", NULL);
    d = file_disk("vda", "a.qcow2", NULL);
    devs = g_strdup_printf("<emulator>%s</emulator>%s", script, d);
    define(&e, "vm", devs);
    g_assert_cmpint(qv(&e, NULL, &err, "start", "vm", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "QEMU was killed by signal 11 (Segmentation fault) while starting: fake QEMU: giving up"));
    assert_state(&e, "vm", "shut off (failed)");
    env_clear(&e);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    g_test_add_func("/guest/start-destroy", test_start_destroy);
    g_test_add_func("/guest/paused", test_paused);
    g_test_add_func("/guest/shutdown-timeout", test_shutdown_timeout);
    g_test_add_func("/guest/deep-1000", test_deep_chain);
    g_test_add_func("/guest/relative-300", test_relative_chain);
    g_test_add_func("/guest/quorum", test_quorum);
    g_test_add_func("/guest/startup-policy", test_startup_policy);
    g_test_add_func("/guest/file-modes", test_file_modes);
    g_test_add_func("/guest/supervisor-kill", test_supervisor_kill);
    g_test_add_func("/guest/qemu-kill", test_qemu_kill);
    g_test_add_func("/guest/concurrent-start", test_concurrent_start);
    g_test_add_func("/guest/qemu-crash-at-start", test_qemu_crash_at_start);
    ret = g_test_run();
    /* whatever failed, no QEMU outlives the test */
    qv_test_guest_cleanup();
    return ret;
}
