/*
 * test-lock-manager: the lock manager without QEMU: what a definition
 * needs locked and in which mode, the driver table loader, and the lockd
 * driver's real locks (OFD locks on real files, in this process and in
 * forked children), naming (sha256 of the path), conflicts and who is
 * named as their holder, idle lock files, and inquiry from /proc.
 *
 * The "QEMU" that receives lockd's fds is this process: the owner below
 * keeps each fd it is given, as QEMU keeps those getfd gives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/qv-domain-xml.h"
#include "locking/qv-lock-drivers.h"
#include "locking/qv-lock-manager.h"
#include "util/qv-error.h"
#include "qv-test-util.h"

static char *tmp;

/* ---- what a definition needs ---- */

static QvDomainDef *
parse(const char *devices)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>vm</name><memory>65536</memory>"
        "<os><type>hvm</type></os><devices>%s</devices></domain>", devices);
    g_autoptr(GError) err = NULL;
    QvDomainDef *def = qv_domain_parse_xml(xml, "test", QV_DOMAIN_XML_NO_SCHEMA, &err);

    g_assert_no_error(err);
    return def;
}

static const QvLockWant *
find_want(GPtrArray *wants, const char *key)
{
    for (guint i = 0; i < wants->len; i++) {
        const QvLockWant *w = wants->pdata[i];

        if (strcmp(w->key, key) == 0)
            return w;
    }
    g_error("no lock for '%s'", key);
}

static void
assert_mode(GPtrArray *wants, const char *key, const char *mode)
{
    const QvLockWant *w = find_want(wants, key);

    g_assert_cmpstr(qv_lock_want_mode(w), ==, mode);
}

#define FILE_DISK(dev, path, extra, chain) \
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>" \
    "<source file='" path "'/>" chain "<target dev='" dev "' bus='virtio'/>" extra "</disk>"
#define BACKING(path, below) \
    "<backingStore type='file'><format type='qcow2'/><source file='" path "'/>" below "</backingStore>"

static void
test_wants_modes(void)
{
    g_autoptr(QvDomainDef) def = parse(
        FILE_DISK("vda", "/i/top.qcow2", "", BACKING("/i/mid.qcow2", BACKING("/i/base.qcow2", "<backingStore/>")))
        FILE_DISK("vdb", "/i/ro.qcow2", "<readonly/>", "<backingStore/>")
        FILE_DISK("vdc", "/i/shared.qcow2", "<shareable/>", "<backingStore/>")
        "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/i/cd.iso'/>"
        "<backingStore/><target dev='sda' bus='sata'/></disk>"
        "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
        "<source protocol='nbd' name='exp'><host name='h' port='10809'/></source>"
        "<backingStore/><target dev='vdd' bus='virtio'/></disk>"
        "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/vg/lv'/>"
        "<backingStore/><target dev='vde' bus='virtio'/></disk>"
        "<lease><lockspace>ls</lockspace><key>k1</key><target path='/leases' offset='0'/></lease>");
    g_autoptr(GPtrArray) wants = qv_lock_wants_for_domain(def);

    assert_mode(wants, "disk:/i/top.qcow2", "exclusive");
    assert_mode(wants, "disk:/i/mid.qcow2", "shared");
    assert_mode(wants, "disk:/i/base.qcow2", "shared");
    assert_mode(wants, "disk:/i/ro.qcow2", "readonly");
    assert_mode(wants, "disk:/i/shared.qcow2", "shared");
    assert_mode(wants, "disk:/i/cd.iso", "readonly");
    assert_mode(wants, "disk:/dev/vg/lv", "exclusive");
    assert_mode(wants, "lease:ls:k1:/leases:0", "exclusive");
    /* network disks are skipped, as libvirt does */
    g_assert_cmpuint(wants->len, ==, 8);
    g_assert_true(find_want(wants, "disk:/i/mid.qcow2")->res.flags & QV_LOCK_RESOURCE_BACKING);
    g_assert_nonnull(strstr(find_want(wants, "disk:/i/mid.qcow2")->what, "backing layer"));
    g_assert_cmpstr(find_want(wants, "disk:/i/top.qcow2")->what, ==, "disk 'vda' ('/i/top.qcow2')");
}

/* One resource per path, in the strongest mode asked for */
static void
test_wants_merge(void)
{
    g_autoptr(QvDomainDef) def = parse(
        FILE_DISK("vda", "/i/a.qcow2", "", BACKING("/i/base.qcow2", "<backingStore/>"))
        FILE_DISK("vdb", "/i/b.qcow2", "", BACKING("/i/base.qcow2", "<backingStore/>"))
        FILE_DISK("vdc", "/i/base.qcow2", "", "<backingStore/>"));
    g_autoptr(GPtrArray) wants = qv_lock_wants_for_domain(def);

    g_assert_cmpuint(wants->len, ==, 3);
    assert_mode(wants, "disk:/i/base.qcow2", "exclusive");
    g_assert_cmpstr(find_want(wants, "disk:/i/base.qcow2")->what, ==, "disk 'vdc' ('/i/base.qcow2')");
}

static void
test_wants_quorum(void)
{
    g_autoptr(QvDomainDef) def = parse(
        "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/><threshold value='2'/>"
        BACKING("/q/c1.qcow2", BACKING("/q/c1-base.qcow2", "<backingStore/>"))
        BACKING("/q/c2.qcow2", "<backingStore/>")
        BACKING("/q/c3.qcow2", "<backingStore/>")
        "<target dev='vda' bus='virtio'/></disk>");
    g_autoptr(GPtrArray) wants = qv_lock_wants_for_domain(def);

    g_assert_cmpuint(wants->len, ==, 4);
    assert_mode(wants, "disk:/q/c1.qcow2", "exclusive");
    assert_mode(wants, "disk:/q/c2.qcow2", "exclusive");
    assert_mode(wants, "disk:/q/c3.qcow2", "exclusive");
    assert_mode(wants, "disk:/q/c1-base.qcow2", "shared");
}

/* ---- the loader ---- */

static bool
fake_init(const QvLockConfig *cfg, GError **error)
{
    return true;
}

static bool
fake_new(QvLockObject *obj, GError **error)
{
    return true;
}

static bool
fake_add(QvLockObject *obj, const QvLockResource *res, GError **error)
{
    return true;
}

static bool
fake_acquire(QvLockObject *obj, const char *state, unsigned int flags,
             QvLockFailureAction action, GError **error)
{
    return true;
}

static bool
fake_release(QvLockObject *obj, char **state, unsigned int flags, GError **error)
{
    return true;
}

static bool
fake_inquire(QvLockObject *obj, char **state, GError **error)
{
    *state = g_strdup("fake");
    return true;
}

static void
fake_free(QvLockObject *obj)
{
}

static int
fake_register(QvLockObject *obj)
{
    return 42;
}

static const QvLockDriver fake = {
    .size = sizeof(QvLockDriver), .abi = QV_LOCK_DRIVER_ABI, .name = "fake",
    .init = fake_init, .new_object = fake_new, .add_resource = fake_add,
    .acquire = fake_acquire, .release = fake_release, .inquire = fake_inquire,
    .free_object = fake_free, .child_register = fake_register,
};

static void
load_fails(const QvLockDriver *drv, const char *msg)
{
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults(tmp);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvLockManager) mgr = qv_lock_manager_load(drv, cfg, &err);

    g_assert_null(mgr);
    g_assert_error(err, QV_ERROR, QV_ERR_UNSUPPORTED);
    if (!strstr(err->message, msg))
        g_error("'%s' does not say '%s'", err->message, msg);
}

static void
test_loader(void)
{
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults(tmp);
    g_autoptr(GError) err = NULL;
    QvLockProcess proc = { .name = "vm" };
    QvLockDriver d = fake;
    g_autoptr(QvLockManager) mgr = qv_lock_manager_load(&fake, cfg, &err);
    g_autoptr(QvLockObject) obj = NULL;
    g_autofree char *state = NULL;

    g_assert_no_error(err);
    obj = qv_lock_object_new(mgr, &proc, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qv_lock_object_child_register(obj), ==, 42);
    g_assert_true(qv_lock_object_inquire(obj, &state, &err));
    g_assert_cmpstr(state, ==, "fake");
    g_clear_pointer(&obj, qv_lock_object_free);
    g_clear_pointer(&mgr, qv_lock_manager_free);

    /* a table built before child_register existed: what lies past its
     * size is never read, the call is NULL */
    d.size = G_STRUCT_OFFSET(QvLockDriver, child_register);
    mgr = qv_lock_manager_load(&d, cfg, &err);
    g_assert_no_error(err);
    obj = qv_lock_object_new(mgr, &proc, &err);
    g_assert_cmpint(qv_lock_object_child_register(obj), ==, -1);
    g_clear_pointer(&obj, qv_lock_object_free);

    d = fake;
    d.abi = 2000000;
    load_fails(&d, "built for lock driver ABI 2000000");
    d = fake;
    d.acquire = NULL;
    load_fails(&d, "lock driver 'fake': missing 'acquire'");
    d = fake;
    d.size = G_STRUCT_OFFSET(QvLockDriver, release);
    load_fails(&d, "missing 'release'");
    d = fake;
    d.size = 8;
    load_fails(&d, "too small");

    g_assert_nonnull(qv_lock_driver_find("nop"));
    g_assert_nonnull(qv_lock_driver_find("lockd"));
    g_assert_null(qv_lock_driver_find("virtlockd"));
}

/* ---- lockd, for real ---- */

/* The owner: keeps the fds it is given, as QEMU keeps getfd's */
typedef struct {
    GHashTable *fds;            /* resource -> fd + 1 */
} Holder;

static bool
hold_fd(void *opaque, const char *resource, int fd, GError **error)
{
    Holder *h = opaque;

    g_assert_false(g_hash_table_contains(h->fds, resource));
    g_hash_table_insert(h->fds, g_strdup(resource), GINT_TO_POINTER(fd + 1));
    return true;
}

static bool
drop_fd(void *opaque, const char *resource, GError **error)
{
    Holder *h = opaque;
    int fd = GPOINTER_TO_INT(g_hash_table_lookup(h->fds, resource)) - 1;

    if (fd >= 0)
        close(fd);
    g_hash_table_remove(h->fds, resource);
    return true;
}

typedef struct {
    Holder holder;
    QvLockOwner owner;
    QvLockObject *obj;
} Guest;

static void
guest_init(Guest *g, QvLockManager *mgr, const char *name)
{
    QvLockProcess proc = { .uuid = "c7a5fdbd-cdaf-9455-926a-d65c16db1809", .name = name,
                           .pid = getpid(), .host = "hostA" };
    g_autoptr(GError) err = NULL;

    g->holder.fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g->owner.give_fd = hold_fd;
    g->owner.take_fd = drop_fd;
    g->owner.opaque = &g->holder;
    proc.owner = &g->owner;
    g->obj = qv_lock_object_new(mgr, &proc, &err);
    g_assert_no_error(err);
}

static void
guest_clear(Guest *g)
{
    GHashTableIter it;
    gpointer val;

    g_hash_table_iter_init(&it, g->holder.fds);
    while (g_hash_table_iter_next(&it, NULL, &val))
        close(GPOINTER_TO_INT(val) - 1);
    g_hash_table_unref(g->holder.fds);
    qv_lock_object_free(g->obj);
}

static void
guest_add_disk(Guest *g, const char *path, unsigned int flags)
{
    g_autoptr(QvLockWant) w = qv_lock_want_new_disk(path, flags, path);
    g_autoptr(GError) err = NULL;

    g_assert_true(qv_lock_object_add(g->obj, w, &err));
    g_assert_no_error(err);
}

static bool
guest_acquire(Guest *g, GError **error)
{
    return qv_lock_object_acquire(g->obj, NULL, 0, QV_LOCK_FAILURE_DEFAULT, error);
}

static QvLockManager *
lockd(const char *lockspace, bool auto_leases)
{
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults(tmp);
    g_autoptr(GError) err = NULL;
    QvLockManager *mgr;

    cfg->lockd.file_lockspace_dir = lockspace ? g_build_filename(tmp, lockspace, NULL) : NULL;
    cfg->lockd.auto_disk_leases = auto_leases;
    cfg->lockd.require_lease_for_disks = !auto_leases;
    mgr = qv_lock_manager_load(&qv_lock_driver_lockd, cfg, &err);
    g_assert_no_error(err);
    return mgr;
}

static char *
mkfile(const char *name)
{
    char *path = g_build_filename(tmp, name, NULL);

    g_assert_true(g_file_set_contents(path, "", 0, NULL));
    return path;
}

/* The sha256 names libvirt's lockd gives indirect lock files */
static void
test_lockd_naming(void)
{
    g_autoptr(QvLockManager) mgr = lockd("files", true);
    g_autoptr(GError) err = NULL;
    g_autofree char *lock = g_build_filename(tmp, "files",
        "6f716e8c06fc109acd342e3c129a17ccf3c473c1c76363b543a1cbb55d1cd778", NULL);
    g_autofree char *state = NULL;
    Guest a;

    /* the path is only named: the image need not exist */
    guest_init(&a, mgr, "a");
    guest_add_disk(&a, "/var/lib/libvirt/images/demo.img", 0);
    g_assert_true(guest_acquire(&a, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_test(lock, G_FILE_TEST_EXISTS));
    /* the kernel says this process holds it */
    g_assert_true(qv_lock_object_inquire(a.obj, &state, &err));
    g_assert_nonnull(state);
    g_assert_true(g_str_has_prefix(state, "exclusive:"));
    g_assert_nonnull(strstr(state, "6f716e8c06fc"));
    /* released and idle: the lock file goes */
    g_assert_true(qv_lock_object_release(a.obj, NULL, 0, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
    g_clear_pointer(&state, g_free);
    g_assert_true(qv_lock_object_inquire(a.obj, &state, &err));
    g_assert_null(state);
    guest_clear(&a);
}

static void
test_lockd_conflict(void)
{
    g_autoptr(QvLockManager) mgr = lockd(NULL, true);
    g_autofree char *img = mkfile("disk.img");
    g_autoptr(GError) err = NULL;
    g_autofree char *me = g_strdup_printf("process %d", (int)getpid());
    Guest a, b, c;

    guest_init(&a, mgr, "a");
    guest_init(&b, mgr, "b");
    guest_init(&c, mgr, "c");
    guest_add_disk(&a, img, 0);
    guest_add_disk(&b, img, 0);
    guest_add_disk(&c, img, QV_LOCK_RESOURCE_SHARED);
    g_assert_true(guest_acquire(&a, &err));
    g_assert_false(guest_acquire(&b, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    /* the holder is named: here, this very process */
    g_assert_nonnull(strstr(err->message, img));
    g_assert_nonnull(strstr(err->message, "is locked by"));
    if (!strstr(err->message, me))
        g_error("'%s' does not name '%s'", err->message, me);
    g_clear_error(&err);
    /* exclusive excludes shared too */
    g_assert_false(guest_acquire(&c, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    g_clear_error(&err);
    g_assert_true(qv_lock_object_release(a.obj, NULL, 0, &err));
    g_assert_true(guest_acquire(&b, &err));
    g_assert_no_error(err);
    /* the image itself is locked, and stays (direct mode removes nothing) */
    g_assert_true(qv_lock_object_release(b.obj, NULL, 0, &err));
    g_assert_true(g_file_test(img, G_FILE_TEST_EXISTS));
    guest_clear(&a);
    guest_clear(&b);
    guest_clear(&c);
}

static void
test_lockd_shared(void)
{
    g_autoptr(QvLockManager) mgr = lockd("files", true);
    g_autoptr(GError) err = NULL;
    g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "/x/base.img", -1);
    g_autofree char *lock = g_build_filename(tmp, "files", hash, NULL);
    Guest a, b, w;

    guest_init(&a, mgr, "a");
    guest_init(&b, mgr, "b");
    guest_init(&w, mgr, "w");
    guest_add_disk(&a, "/x/base.img", QV_LOCK_RESOURCE_BACKING);
    guest_add_disk(&b, "/x/base.img", QV_LOCK_RESOURCE_SHARED);
    guest_add_disk(&w, "/x/base.img", 0);
    g_assert_true(guest_acquire(&a, &err));
    g_assert_true(guest_acquire(&b, &err));
    g_assert_no_error(err);
    /* nobody writes a base two guests read */
    g_assert_false(guest_acquire(&w, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    g_assert_nonnull(strstr(err->message, "(lock file '"));
    g_clear_error(&err);
    /* one reader gone: the file stays for the other */
    g_assert_true(qv_lock_object_release(a.obj, NULL, 0, &err));
    g_assert_true(g_file_test(lock, G_FILE_TEST_EXISTS));
    g_assert_false(guest_acquire(&w, &err));
    g_clear_error(&err);
    g_assert_true(qv_lock_object_release(b.obj, NULL, 0, &err));
    g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
    g_assert_true(guest_acquire(&w, &err));
    g_assert_no_error(err);
    guest_clear(&a);
    guest_clear(&b);
    guest_clear(&w);
}

/* All or nothing: a conflict on the second resource lets go the first */
static void
test_lockd_all_or_nothing(void)
{
    g_autoptr(QvLockManager) mgr = lockd(NULL, true);
    g_autofree char *one = mkfile("one.img");
    g_autofree char *two = mkfile("two.img");
    g_autoptr(GError) err = NULL;
    Guest a, b, c;

    guest_init(&a, mgr, "a");
    guest_init(&b, mgr, "b");
    guest_init(&c, mgr, "c");
    guest_add_disk(&a, two, 0);
    guest_add_disk(&b, one, 0);
    guest_add_disk(&b, two, 0);
    guest_add_disk(&c, one, 0);
    g_assert_true(guest_acquire(&a, &err));
    g_assert_false(guest_acquire(&b, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    g_assert_nonnull(strstr(err->message, two));
    g_clear_error(&err);
    g_assert_cmpuint(g_hash_table_size(b.holder.fds), ==, 0);
    g_assert_true(guest_acquire(&c, &err));
    g_assert_no_error(err);
    guest_clear(&a);
    guest_clear(&b);
    guest_clear(&c);
}

/* virtlockd takes POSIX locks on byte 0: a host running libvirt's lockd
 * and qvirt exclude each other; and a forked child (another process)
 * holding our OFD fd is named as the holder */
static void
test_lockd_other_process(void)
{
    g_autoptr(QvLockManager) mgr = lockd(NULL, true);
    g_autofree char *img = mkfile("posix.img");
    g_autoptr(GError) err = NULL;
    int ready[2];
    char c;
    pid_t pid;
    Guest a;

    g_assert_cmpint(pipe(ready), ==, 0);
    if ((pid = fork()) == 0) {
        int fd = open(img, O_RDWR);
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };

        if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    g_assert_cmpint(read(ready[0], &c, 1), ==, 1);
    guest_init(&a, mgr, "a");
    guest_add_disk(&a, img, QV_LOCK_RESOURCE_SHARED);
    g_assert_false(guest_acquire(&a, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    {
        g_autofree char *who = g_strdup_printf("process %d", (int)pid);

        if (!strstr(err->message, who))
            g_error("'%s' does not name '%s'", err->message, who);
    }
    g_clear_error(&err);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* its lock died with it */
    g_assert_true(guest_acquire(&a, &err));
    g_assert_no_error(err);
    close(ready[0]);
    close(ready[1]);
    guest_clear(&a);
}

/* The lock lives as long as the fd: handed to another process (as to
 * QEMU), it survives this one letting go of its copy, and goes when that
 * process dies */
static void
test_lockd_fd_owner(void)
{
    g_autoptr(QvLockManager) mgr = lockd(NULL, true);
    g_autofree char *img = mkfile("owned.img");
    g_autoptr(GError) err = NULL;
    int ready[2];
    char c;
    pid_t pid;
    Guest a, b;

    guest_init(&a, mgr, "a");
    guest_init(&b, mgr, "b");
    guest_add_disk(&a, img, 0);
    guest_add_disk(&b, img, 0);
    g_assert_true(guest_acquire(&a, &err));
    g_assert_cmpint(pipe(ready), ==, 0);
    if ((pid = fork()) == 0) {
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    g_assert_cmpint(read(ready[0], &c, 1), ==, 1);
    /* our copies closed: the child's inherited one holds the lock */
    guest_clear(&a);
    g_assert_false(guest_acquire(&b, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    g_clear_error(&err);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    g_assert_true(guest_acquire(&b, &err));
    g_assert_no_error(err);
    close(ready[0]);
    close(ready[1]);
    guest_clear(&b);
}

static void
test_lockd_leases(void)
{
    g_autoptr(QvLockManager) mgr = lockd(NULL, false);
    g_autofree char *ls = g_build_filename(tmp, "leases", "ls", NULL);
    g_autofree char *img = mkfile("rw.img");
    g_autofree char *leases = g_build_filename(tmp, "leases", NULL);
    QvLeaseDef lease = { (char *)"ls", (char *)"key1", leases, 0, true };
    QvLeaseDef bad_offset = { (char *)"ls", (char *)"key1", leases, 1024, true };
    QvLeaseDef no_space = { (char *)"nols", (char *)"key1", leases, 0, true };
    g_autoptr(QvLockWant) lw = qv_lock_want_new_lease(&lease);
    g_autoptr(QvLockWant) bw = qv_lock_want_new_lease(&bad_offset);
    g_autoptr(QvLockWant) nw = qv_lock_want_new_lease(&no_space);
    g_autoptr(GError) err = NULL;
    g_autofree char *file = g_build_filename(ls, "key1", NULL);
    Guest a, b, c, d;

    g_assert_cmpint(g_mkdir_with_parents(ls, 0700), ==, 0);
    /* no automatic leases: a writable disk needs a <lease> */
    guest_init(&a, mgr, "a");
    guest_add_disk(&a, img, 0);
    g_assert_false(guest_acquire(&a, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    g_assert_nonnull(strstr(err->message, "read/write, exclusive access, disks were present, but no leases specified"));
    g_clear_error(&err);
    g_assert_true(qv_lock_object_add(a.obj, lw, &err));
    g_assert_true(guest_acquire(&a, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(g_hash_table_size(a.holder.fds), ==, 1);

    guest_init(&b, mgr, "b");
    g_assert_true(qv_lock_object_add(b.obj, lw, &err));
    g_assert_false(guest_acquire(&b, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_LOCK_CONFLICT);
    g_assert_nonnull(strstr(err->message, "lease 'key1'"));
    g_clear_error(&err);

    guest_init(&c, mgr, "c");
    g_assert_false(qv_lock_object_add(c.obj, bw, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "offset 1024"));
    g_clear_error(&err);

    guest_init(&d, mgr, "d");
    g_assert_true(qv_lock_object_add(d.obj, nw, &err));
    g_assert_false(guest_acquire(&d, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "lockspace"));
    g_clear_error(&err);
    guest_clear(&a);
    guest_clear(&b);
    guest_clear(&c);
    guest_clear(&d);
}

/* The record an exclusive holder leaves names it for another host */
static void
test_lockd_holder_record(void)
{
    g_autoptr(QvLockManager) mgr = lockd("files", true);
    g_autoptr(GError) err = NULL;
    g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "/x/rec.img", -1);
    g_autofree char *lock = g_build_filename(tmp, "files", hash, NULL);
    g_autofree char *text = NULL;
    Guest a;

    guest_init(&a, mgr, "guest a");
    guest_add_disk(&a, "/x/rec.img", 0);
    g_assert_true(guest_acquire(&a, &err));
    g_assert_true(g_file_get_contents(lock, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, "qvirt-lease-holder domain=guest%20a "));
    g_assert_nonnull(strstr(text, "host=hostA"));
    g_assert_nonnull(strstr(text, "uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809"));
    guest_clear(&a);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    tmp = qv_test_mkdtemp();
    g_test_add_func("/lock-manager/wants-modes", test_wants_modes);
    g_test_add_func("/lock-manager/wants-merge", test_wants_merge);
    g_test_add_func("/lock-manager/wants-quorum", test_wants_quorum);
    g_test_add_func("/lock-manager/loader", test_loader);
    g_test_add_func("/lock-manager/lockd-naming", test_lockd_naming);
    g_test_add_func("/lock-manager/lockd-conflict", test_lockd_conflict);
    g_test_add_func("/lock-manager/lockd-shared", test_lockd_shared);
    g_test_add_func("/lock-manager/lockd-all-or-nothing", test_lockd_all_or_nothing);
    g_test_add_func("/lock-manager/lockd-other-process", test_lockd_other_process);
    g_test_add_func("/lock-manager/lockd-fd-owner", test_lockd_fd_owner);
    g_test_add_func("/lock-manager/lockd-leases", test_lockd_leases);
    g_test_add_func("/lock-manager/lockd-holder-record", test_lockd_holder_record);
    rc = g_test_run();
    qv_test_rmtree(tmp);
    g_free(tmp);
    return rc;
}
