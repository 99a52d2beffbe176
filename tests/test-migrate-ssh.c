/*
 * test-migrate-ssh: migration over qvirt's real transport, ssh, between
 * two simulated hosts that hold their leases with sanlock.
 *
 * Each host is a --root, a sanlock daemon (host_id 1 and 2, one
 * disk_lease_dir, as in test-locks-sanlock) and an OpenSSH server on
 * loopback with its own host key, configuration and authorized key,
 * whose sessions see that host's daemon (SetEnv SANLOCK_RUN_DIR): so
 * `qvirt migrate vm qvirt+ssh://root@127.0.0.1:PORT/ROOT` runs the
 * destination's side exactly as on another machine, and its RAM and
 * NBD streams go over TCP.  The guests share a <lease> (a LUN both
 * hosts see): it moves from host_id 1 to host_id 2 with the guest and
 * back, with the lease version the source let go of; the host that let
 * it go cannot start the guest meanwhile.  The ssh connection dropped
 * during the copy leaves the guest on the source with its lease.
 */
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/qv-json.h"
#include "qv-test-guest.h"
#include "qv-test-sanlock.h"

static char *lease_dir;
static char *client_key, *known_hosts;

typedef struct {
    Env env;
    QvTestSanlock *daemon;
    GPid sshd;
    int port;
    char *uri;                   /* qvirt+ssh://... to this host */
} Host;

static Host host_a, host_b;

static void
pdeathsig(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
run_ok(const char *const *argv)
{
    g_autofree char *out = NULL, *err = NULL;

    if (qv_test_run(argv, &out, &err) != 0)
        g_error("%s: %s%s", argv[0], out, err);
}

static int
free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static bool
port_open(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

    close(fd);
    return ok;
}

/* The host's sshd: its own host key, config and the client's key */
static void
start_sshd(Host *h, const char *name)
{
    g_autofree char *dir = g_build_filename(tmp, name, "ssh", NULL);
    g_autofree char *hostkey = g_build_filename(dir, "host_key", NULL);
    g_autofree char *pub = g_strdup_printf("%s.pub", hostkey);
    g_autofree char *auth = g_build_filename(dir, "authorized_keys", NULL);
    g_autofree char *cfg = g_build_filename(dir, "sshd_config", NULL);
    g_autofree char *cpub = g_strdup_printf("%s.pub", client_key);
    g_autofree char *text = NULL, *key = NULL, *line = NULL, *known = NULL;
    g_autofree char *sshd = g_find_program_in_path("sshd");
    const char *keygen[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostkey, NULL };
    const char *argv[] = { NULL, "-D", "-e", "-f", cfg, NULL };

    if (!sshd)
        sshd = g_strdup("/usr/sbin/sshd");
    argv[0] = sshd;
    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    run_ok(keygen);
    g_assert_true(g_file_get_contents(cpub, &key, NULL, NULL));
    g_assert_true(g_file_set_contents(auth, key, -1, NULL));
    h->port = free_port();
    text = g_strdup_printf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s/sshd.pid\n"
                           "AuthorizedKeysFile %s\nStrictModes no\nUsePAM no\n"
                           "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                           "PermitRootLogin prohibit-password\n"
                           "SetEnv SANLOCK_RUN_DIR=%s LD_LIBRARY_PATH=%s QVIRT_SCHEMA_DIR=%s\n",
                           h->port, hostkey, dir, auth, qv_test_sanlock_run_dir(h->daemon),
                           g_getenv("LD_LIBRARY_PATH") ? g_getenv("LD_LIBRARY_PATH") : "",
                           g_getenv("QVIRT_SCHEMA_DIR") ? g_getenv("QVIRT_SCHEMA_DIR") : "");
    g_assert_true(g_file_set_contents(cfg, text, -1, NULL));
    /* sshd insists on its privilege separation folder */
    g_assert_cmpint(g_mkdir_with_parents("/run/sshd", 0755), ==, 0);
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                pdeathsig, NULL, &h->sshd, NULL));
    for (int i = 0; i < 1000 && !port_open(h->port); i++)
        g_usleep(10 * 1000);
    g_assert_true(port_open(h->port));
    /* the client trusts exactly this host key */
    g_assert_true(g_file_get_contents(pub, &line, NULL, NULL));
    known = g_strdup_printf("[127.0.0.1]:%d %s", h->port, line);
    {
        g_autofree char *old = NULL, *all = NULL;

        g_file_get_contents(known_hosts, &old, NULL, NULL);
        all = g_strconcat(old ? old : "", known, NULL);
        g_assert_true(g_file_set_contents(known_hosts, all, -1, NULL));
    }
    h->uri = g_strdup_printf("qvirt+ssh://root@127.0.0.1:%d%s?keyfile=%s&known_hosts=%s"
                             "&command=%s", h->port, h->env.root, client_key, known_hosts,
                             g_getenv("QVIRT_BIN"));
}

static void
host_init(Host *h, const char *name, QvTestSanlock *d, unsigned int host_id)
{
    g_autofree char *etc = NULL, *qemu = NULL, *san = NULL, *text = NULL;

    env_init(&h->env, name);
    h->daemon = d;
    etc = g_build_filename(h->env.root, "etc", NULL);
    g_assert_cmpint(g_mkdir_with_parents(etc, 0755), ==, 0);
    qemu = g_build_filename(etc, "qemu.conf", NULL);
    g_assert_true(g_file_set_contents(qemu, "lock_manager = \"sanlock\"\n", -1, NULL));
    san = g_build_filename(etc, "qemu-sanlock.conf", NULL);
    text = g_strdup_printf("auto_disk_leases = 1\nhost_id = %u\nio_timeout = 1\n"
                           "disk_lease_dir = \"%s\"\n", host_id, lease_dir);
    g_assert_true(g_file_set_contents(san, text, -1, NULL));
    start_sshd(h, name);
}

static void
on(Host *h)
{
    g_setenv("SANLOCK_RUN_DIR", qv_test_sanlock_run_dir(h->daemon), TRUE);
}

static const char *const uuid = "5c0d3b1e-8a64-4f0e-9a1b-2d7e6f3c4b59";

static char *
vm_xml(const char *disk)
{
    return g_strdup_printf(
        "<domain type='qemu'><name>vm</name><uuid>%s</uuid><memory unit='MiB'>64</memory>"
        "<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<lease><lockspace>__LIBVIRT__DISKS__</lockspace><key>cluster</key>"
        "<target path='%s/cluster' offset='0'/></lease></devices></domain>",
        uuid, disk, lease_dir);
}

static char *
write_file(Env *e, const char *name, const char *text)
{
    char *path = g_build_filename(e->root, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static int
migrate(Host *from, Host *to, const char *xml, char **err)
{
    const char *args[] = { "--root", from->env.root, "migrate", "vm", to->uri, "--live",
                           "--copy-storage-all", "--xml", xml, NULL };

    on(from);
    return qv_test_qvirtv(NULL, err, args);
}

static void
assert_holder(Host *h, const char *host_id)
{
    g_autofree char *out = NULL, *st = NULL;

    on(h);
    st = domstate(&h->env, "vm");
    g_assert_true(g_str_has_prefix(st, "running"));
    qv_ok(&h->env, &out, "lock-status", "vm", NULL);
    assert_contains(out, "lease 'cluster'");
    assert_contains(out, host_id);
}

static void
img_qcow(Env *e, const char *name)
{
    g_autofree char *p = img(e, name);

    qv_test_qemu_img("create", "-q", "-f", "qcow2", p, "64M", NULL);
}

static void
test_sanlock_handover(void)
{
    Host *a = &host_a, *b = &host_b;
    g_autofree char *da = img(&a->env, "vm.qcow2"), *db = img(&b->env, "vm.qcow2");
    g_autofree char *xa = NULL, *xb = NULL, *sa = vm_xml(da), *sb = vm_xml(db);
    g_autofree char *err = NULL, *defa = NULL;

    img_qcow(&a->env, "vm.qcow2");
    defa = write_file(&a->env, "vm.xml", sa);
    xb = write_file(&a->env, "to-b.xml", sb);
    xa = write_file(&b->env, "to-a.xml", sa);
    on(a);
    qv_ok(&a->env, NULL, "define", defa, NULL);
    qv_ok(&a->env, NULL, "start", "vm", NULL);
    assert_holder(a, "(host_id 1)");
    {
        const char *io = "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":"
                         "\"qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "
                         "\\\"write -P 0x3c 1M 1M\\\"\"}}";

        qv_ok(&a->env, NULL, "qemu-monitor-command", "vm", io);
    }
    if (migrate(a, b, xb, &err) != 0)
        g_error("migrate to host B over ssh: %s", err);
    assert_holder(b, "(host_id 2)");
    {
        g_autofree char *st = domstate(&a->env, "vm");

        g_assert_cmpstr(st, ==, "shut off (migrated)");
    }
    /* host A let the lease go with the guest: it cannot start it now */
    on(a);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv(&a->env, NULL, &err, "start", "vm", NULL), !=, 0);
    assert_contains(err, "cluster");
    assert_contains(err, "host_id 2");
    /* and back, the lease with it */
    unlink(da);
    g_clear_pointer(&err, g_free);
    if (migrate(b, a, xa, &err) != 0)
        g_error("migrate back to host A over ssh: %s", err);
    assert_holder(a, "(host_id 1)");
    on(a);
    qv_ok(&a->env, NULL, "destroy", "vm", NULL);
    {
        const char *argv[] = { "qemu-io", "-r", "-f", "qcow2", "-c", "read -P 0x3c 1M 1M", da,
                               NULL };
        g_autofree char *out = NULL;

        g_assert_cmpint(qv_test_run(argv, &out, NULL), ==, 0);
        g_assert_null(strstr(out, "Pattern verification failed"));
    }
}

/* The ssh process of @cli, a migrating qvirt */
static pid_t
ssh_child(GPid cli)
{
    for (int i = 0; i < 3000; i++) {
        g_autofree char *path = g_strdup_printf("/proc/%d/task/%d/children", (int)cli, (int)cli);
        g_autofree char *text = NULL;

        if (g_file_get_contents(path, &text, NULL, NULL) && *g_strstrip(text))
            return (pid_t)atoi(text);
        g_usleep(10 * 1000);
    }
    g_error("qvirt migrate started no ssh");
    return -1;
}

static void
test_ssh_dropped(void)
{
    Host *a = &host_a, *b = &host_b;
    g_autofree char *da = img(&a->env, "vm.qcow2"), *db = img(&b->env, "vm.qcow2");
    g_autofree char *xb = NULL, *sb = vm_xml(db), *err = NULL;
    GPid cli;
    int errfd;

    xb = write_file(&a->env, "to-b.xml", sb);
    /* B's image of the first case: the destination makes a new one */
    unlink(db);
    on(a);
    qv_ok(&a->env, NULL, "start", "vm", NULL);
    {
        const char *argv[] = { g_getenv("QVIRT_BIN"), "--root", a->env.root, "migrate", "vm",
                               b->uri, "--live", "--copy-storage-all", "--xml", xb,
                               "--bandwidth", "1", NULL };
        const char *io = "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":"
                         "\"qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "
                         "\\\"write -P 0x4d 8M 8M\\\"\"}}";

        qv_ok(&a->env, NULL, "qemu-monitor-command", "vm", io);
        g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                               G_SPAWN_DO_NOT_REAP_CHILD |
                                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &cli,
                                               NULL, NULL, &errfd, NULL));
    }
    /* the copy is under way when the connection drops */
    for (int i = 0; i < 6000; i++) {
        g_autofree char *out = NULL;

        qv_ok(&a->env, &out, "domjobinfo", "vm", "--json");
        if (strstr(out, "\"storage\""))
            break;
        g_usleep(10 * 1000);
    }
    kill(ssh_child(cli), SIGKILL);
    {
        g_autoptr(GString) s = g_string_new(NULL);
        char buf[4096];
        ssize_t n;
        int status;

        while ((n = read(errfd, buf, sizeof(buf))) > 0)
            g_string_append_len(s, buf, n);
        close(errfd);
        g_assert_cmpint(waitpid(cli, &status, 0), ==, cli);
        g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        err = g_string_free(g_steal_pointer(&s), FALSE);
    }
    assert_contains(err, "went away");
    assert_holder(a, "(host_id 1)");
    /* the destination's side undid itself when its input ended */
    for (int i = 0; i < 3000 && g_file_test(db, G_FILE_TEST_EXISTS); i++)
        g_usleep(10 * 1000);
    g_assert_false(g_file_test(db, G_FILE_TEST_EXISTS));
    assert_run_files_gone(&b->env, "vm");
    on(a);
    qv_ok(&a->env, NULL, "destroy", "vm", NULL);
}

int
main(int argc, char **argv)
{
    QvTestSanlock *da, *db;
    int ret;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    lease_dir = g_build_filename(tmp, "leases", NULL);
    g_assert_cmpint(g_mkdir_with_parents(lease_dir, 0755), ==, 0);
    client_key = g_build_filename(tmp, "client_key", NULL);
    known_hosts = g_build_filename(tmp, "known_hosts", NULL);
    {
        const char *keygen[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client_key,
                                 NULL };

        run_ok(keygen);
    }
    da = qv_test_sanlock_start(tmp, "A");
    db = qv_test_sanlock_start(tmp, "B");
    {
        g_autofree char *ls = g_build_filename(lease_dir, "__LIBVIRT__DISKS__", NULL);
        g_autofree char *cluster = g_build_filename(lease_dir, "cluster", NULL);
        g_autofree char *res = g_strdup_printf("__LIBVIRT__DISKS__:cluster:%s:0", cluster);
        const char *init[] = { "sanlock", "direct", "init", "-r", res, NULL };

        qv_test_sanlock_write_lockspace("__LIBVIRT__DISKS__", ls, 1);
        g_assert_true(g_file_set_contents(cluster, "", 0, NULL));
        g_assert_cmpint(truncate(cluster, 1024 * 1024), ==, 0);
        run_ok(init);
    }
    host_init(&host_a, "hostA", da, 1);
    host_init(&host_b, "hostB", db, 2);
    g_test_add_func("/migrate-ssh/sanlock-handover", test_sanlock_handover);
    g_test_add_func("/migrate-ssh/dropped", test_ssh_dropped);
    ret = g_test_run();
    for (Host *h = &host_a; h <= &host_b; h++) {
        kill(h->sshd, SIGTERM);
        waitpid(h->sshd, NULL, 0);
        g_free(h->uri);
        env_clear(&h->env);
    }
    qv_test_sanlock_stop(da);
    qv_test_sanlock_stop(db);
    qv_test_guest_cleanup();
    g_free(lease_dir);
    g_free(client_key);
    g_free(known_hosts);
    return ret;
}
