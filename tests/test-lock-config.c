/*
 * test-lock-config: qemu.conf, qemu-lockd.conf and qemu-sanlock.conf.
 *
 * One row per key, default, and kind of error (with the line it must
 * name); each row gives the whole configuration expected after it, as
 * the defaults with the row's changes, so a key that lands in the wrong
 * field, or a file that changes another file's part, fails.  A file with
 * an error must leave the configuration as it was.  Then loading from a
 * folder: missing files, all three, an unreadable one, a folder in a
 * file's place, a file too large.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "locking/qv-lock-config.h"
#include "util/qv-error.h"
#include "qv-test-util.h"

typedef struct {
    const char *name;
    const char *file;
    const char *text;
    const char *want;       /* "key=value ..." that differ from the defaults */
    const char *err;        /* or the whole error message */
} ConfigCase;

#define Q "qemu.conf"
#define L "qemu-lockd.conf"
#define S "qemu-sanlock.conf"

static const ConfigCase cases[] = {
    /* defaults */
    { "qemu-empty", Q, "", "", NULL },
    { "lockd-empty", L, "# nothing\n", "", NULL },
    { "sanlock-empty", S, "\n", "", NULL },
    /* qemu.conf */
    { "manager-nop", Q, "lock_manager = \"nop\"\n", "manager=nop", NULL },
    { "manager-lockd", Q, "lock_manager = 'lockd'", "manager=lockd", NULL },
    { "manager-sanlock", Q, "# the manager\nlock_manager = \"sanlock\"  # cluster\n", "manager=sanlock", NULL },
    { "manager-unknown", Q, "\nlock_manager = \"flock\"", NULL,
      "qemu.conf:2: key 'lock_manager': unknown lock manager 'flock' (expected 'nop', 'lockd' or 'sanlock')" },
    { "manager-case", Q, "lock_manager = \"Sanlock\"", NULL,
      "qemu.conf:1: key 'lock_manager': unknown lock manager 'Sanlock' (expected 'nop', 'lockd' or 'sanlock')" },
    { "manager-int", Q, "lock_manager = 1", NULL, "qemu.conf:1: key 'lock_manager': expected a string, got an integer" },
    { "manager-list", Q, "lock_manager = [ \"lockd\" ]", NULL,
      "qemu.conf:1: key 'lock_manager': expected a string, got a list" },
    /* libvirt's keys other modules apply, or none does: accepted */
    { "qemu-libvirt-keys", Q, "user = \"qemu\"\nvnc_listen = \"0.0.0.0\"\nlock_manager = \"nop\"\n"
      "cgroup_device_acl = [ \"/dev/null\" ]\n", "manager=nop", NULL },
    { "qemu-libvirt-twice", Q, "user = \"qemu\"\nuser = \"root\"", NULL,
      "qemu.conf:2: key 'user' is given twice (first on line 1)" },
    { "qemu-unknown", Q, "no_such_key = \"qemu\"", NULL, "qemu.conf:1: unknown key 'no_such_key'" },
    { "qemu-typo", Q, "lock_manger = \"lockd\"", NULL, "qemu.conf:1: unknown key 'lock_manger' (did you mean 'lock_manager'?)" },
    /* libvirt's qemu.conf has a user of its own: no "it belongs in" */
    { "qemu-other-file", Q, "host_id = 3", NULL, "qemu.conf:1: unknown key 'host_id'" },
    /* qemu-lockd.conf */
    { "lockd-all", L,
      "auto_disk_leases = 0\n"
      "require_lease_for_disks = 0\n"
      "file_lockspace_dir = \"/var/lib/libvirt/lockd/files\"\n"
      "lvm_lockspace_dir = '/var/lib/libvirt/lockd/lvmvolumes'\n"
      "scsi_lockspace_dir = \"/var/lib/libvirt/lockd/scsivolumes\"\n",
      "lockd.auto_disk_leases=0 lockd.require_lease_for_disks=0 "
      "lockd.file_lockspace_dir=/var/lib/libvirt/lockd/files "
      "lockd.lvm_lockspace_dir=/var/lib/libvirt/lockd/lvmvolumes "
      "lockd.scsi_lockspace_dir=/var/lib/libvirt/lockd/scsivolumes", NULL },
    { "lockd-auto-off-requires", L, "auto_disk_leases = 0",
      "lockd.auto_disk_leases=0 lockd.require_lease_for_disks=1", NULL },
    { "lockd-auto-on", L, "auto_disk_leases = 1", "", NULL },
    { "lockd-plus-sign", L, "auto_disk_leases = +0", "lockd.auto_disk_leases=0 lockd.require_lease_for_disks=1", NULL },
    { "lockd-require-first", L, "require_lease_for_disks = 1\nauto_disk_leases = 1",
      "lockd.require_lease_for_disks=1", NULL },
    { "lockd-require-only", L, "require_lease_for_disks = 1", "lockd.require_lease_for_disks=1", NULL },
    { "lockd-require-off-auto-off", L, "auto_disk_leases = 0\nrequire_lease_for_disks = 0",
      "lockd.auto_disk_leases=0", NULL },
    { "lockd-bool-two", L, "\n\nauto_disk_leases = 2", NULL, "qemu-lockd.conf:3: key 'auto_disk_leases': expected 0 or 1, got 2" },
    { "lockd-bool-minus-one", L, "auto_disk_leases = -1", NULL, "qemu-lockd.conf:1: key 'auto_disk_leases': expected 0 or 1, got -1" },
    { "lockd-bool-minus-zero", L, "auto_disk_leases = -0", NULL, "qemu-lockd.conf:1: key 'auto_disk_leases': expected 0 or 1, got -0" },
    { "lockd-bool-string", L, "require_lease_for_disks = \"1\"", NULL,
      "qemu-lockd.conf:1: key 'require_lease_for_disks': expected 0 or 1, got a string" },
    { "lockd-bool-list", L, "auto_disk_leases = [ 1 ]", NULL, "qemu-lockd.conf:1: key 'auto_disk_leases': expected 0 or 1, got a list" },
    { "lockd-relative", L, "auto_disk_leases = 1\nfile_lockspace_dir = \"lockd/files\"", NULL,
      "qemu-lockd.conf:2: key 'file_lockspace_dir': 'lockd/files' is not an absolute path" },
    { "lockd-empty-path", L, "lvm_lockspace_dir = ''", NULL, "qemu-lockd.conf:1: key 'lvm_lockspace_dir': '' is not an absolute path" },
    { "lockd-path-int", L, "scsi_lockspace_dir = 0", NULL, "qemu-lockd.conf:1: key 'scsi_lockspace_dir': expected a string, got an integer" },
    { "lockd-unknown", L, "auto_disk_leases = 1\n\n# x\nauto_disk_lease = 1", NULL,
      "qemu-lockd.conf:4: unknown key 'auto_disk_lease' (did you mean 'auto_disk_leases'?)" },
    { "lockd-host-id", L, "host_id = 1", NULL, "qemu-lockd.conf:1: unknown key 'host_id' (it belongs in qemu-sanlock.conf)" },
    { "lockd-twice", L, "auto_disk_leases = 1\nrequire_lease_for_disks = 0\nauto_disk_leases = 1", NULL,
      "qemu-lockd.conf:3: key 'auto_disk_leases' is given twice (first on line 1)" },
    { "lockd-syntax", L, "\n\nauto_disk_leases 1\n", NULL, "qemu-lockd.conf:3: expected '=' after key 'auto_disk_leases'" },
    /* the first error in the file is the one told */
    { "lockd-first-error", L, "file_lockspace_dir = 'rel'\nnope = 1", NULL,
      "qemu-lockd.conf:1: key 'file_lockspace_dir': 'rel' is not an absolute path" },
    /* qemu-sanlock.conf */
    { "sanlock-all", S,
      "auto_disk_leases = 1\n"
      "disk_lease_dir = \"/srv/sanlock\"\n"
      "host_id = 2000\n"
      "require_lease_for_disks = 1\n"
      "io_timeout = 10\n"
      "user = \"sanlock\"\n"
      "group = 'sanlock'\n",
      "sanlock.auto_disk_leases=1 sanlock.disk_lease_dir=/srv/sanlock sanlock.host_id=2000 "
      "sanlock.require_lease_for_disks=1 sanlock.io_timeout=10 sanlock.user=sanlock sanlock.group=sanlock", NULL },
    { "sanlock-auto-on", S, "host_id = 1\nauto_disk_leases = 1",
      "sanlock.auto_disk_leases=1 sanlock.host_id=1 sanlock.require_lease_for_disks=0", NULL },
    /* not checked here: the driver refuses it at init */
    { "sanlock-auto-no-host", S, "auto_disk_leases = 1",
      "sanlock.auto_disk_leases=1 sanlock.require_lease_for_disks=0", NULL },
    { "sanlock-require-off", S, "require_lease_for_disks = 0", "sanlock.require_lease_for_disks=0", NULL },
    { "sanlock-host-zero", S, "host_id = 0", "", NULL },
    { "sanlock-host-one", S, "host_id = 1", "sanlock.host_id=1", NULL },
    { "sanlock-host-high", S, "\nhost_id = 2001", NULL, "qemu-sanlock.conf:2: key 'host_id': 2001 is out of range 1 to 2000 (or 0: unset)" },
    { "sanlock-host-negative", S, "host_id = -5", NULL, "qemu-sanlock.conf:1: key 'host_id': -5 is out of range 1 to 2000 (or 0: unset)" },
    { "sanlock-host-string", S, "auto_disk_leases = 0\nhost_id = \"7\"", NULL,
      "qemu-sanlock.conf:2: key 'host_id': expected an integer, got a string" },
    { "sanlock-timeout-max", S, "io_timeout = 4294967295", "sanlock.io_timeout=4294967295", NULL },
    { "sanlock-timeout-over", S, "io_timeout = 4294967296", NULL,
      "qemu-sanlock.conf:1: key 'io_timeout': 4294967296 is out of range 0 to 4294967295" },
    { "sanlock-timeout-huge", S, "io_timeout = 9223372036854775807", NULL,
      "qemu-sanlock.conf:1: key 'io_timeout': 9223372036854775807 is out of range 0 to 4294967295" },
    { "sanlock-timeout-negative", S, "io_timeout = -1", NULL,
      "qemu-sanlock.conf:1: key 'io_timeout': -1 is out of range 0 to 4294967295" },
    { "sanlock-timeout-zero", S, "io_timeout = 0", "", NULL },
    { "sanlock-relative", S, "disk_lease_dir = \"sanlock\"", NULL,
      "qemu-sanlock.conf:1: key 'disk_lease_dir': 'sanlock' is not an absolute path" },
    { "sanlock-user-empty", S, "user = \"\"", NULL,
      "qemu-sanlock.conf:1: key 'user': the name is empty (leave the key out to keep the owner)" },
    { "sanlock-group-int", S, "group = 107", NULL, "qemu-sanlock.conf:1: key 'group': expected a string, got an integer" },
    { "sanlock-twice", S, "user = 'a'\n\nuser = 'b'", NULL, "qemu-sanlock.conf:3: key 'user' is given twice (first on line 1)" },
    { "sanlock-typo", S, "hostid = 3", NULL, "qemu-sanlock.conf:1: unknown key 'hostid' (did you mean 'host_id'?)" },
    { "sanlock-lockd-key", S, "file_lockspace_dir = '/x'", NULL,
      "qemu-sanlock.conf:1: unknown key 'file_lockspace_dir' (it belongs in qemu-lockd.conf)" },
    { "sanlock-unterminated", S, "auto_disk_leases = 1\nuser = \"sanlock", NULL,
      "qemu-sanlock.conf:2: the string of key 'user' is not terminated (a string ends on its line and holds no \"; \"\"\"triple quotes\"\"\" allow both)" },
    { "sanlock-triple", S, "user = \"\"\"san\"lock\"\"\"", "sanlock.user=san\"lock", NULL },
    { "sanlock-semicolons", S, "host_id = 3; io_timeout = 20 # both\n", "sanlock.host_id=3 sanlock.io_timeout=20", NULL },
    /* a file's name must be one of the three */
    { "unknown-file", "qemu-lock.conf", "", NULL,
      "x: unknown lock configuration file 'qemu-lock.conf' (expected qemu.conf, qemu-lockd.conf or qemu-sanlock.conf)" },
};

static const char *
str_or_none(const char *s)
{
    return s ? s : "(none)";
}

/* Every field, in a fixed order, as "key=value" strings */
static GPtrArray *
fields(const QvLockConfig *cfg)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(out, g_strdup_printf("manager=%s", qv_lock_manager_kind_to_string(cfg->manager)));
    g_ptr_array_add(out, g_strdup_printf("lockd.auto_disk_leases=%d", cfg->lockd.auto_disk_leases));
    g_ptr_array_add(out, g_strdup_printf("lockd.require_lease_for_disks=%d", cfg->lockd.require_lease_for_disks));
    g_ptr_array_add(out, g_strdup_printf("lockd.file_lockspace_dir=%s", str_or_none(cfg->lockd.file_lockspace_dir)));
    g_ptr_array_add(out, g_strdup_printf("lockd.lvm_lockspace_dir=%s", str_or_none(cfg->lockd.lvm_lockspace_dir)));
    g_ptr_array_add(out, g_strdup_printf("lockd.scsi_lockspace_dir=%s", str_or_none(cfg->lockd.scsi_lockspace_dir)));
    g_ptr_array_add(out, g_strdup_printf("sanlock.auto_disk_leases=%d", cfg->sanlock.auto_disk_leases));
    g_ptr_array_add(out, g_strdup_printf("sanlock.disk_lease_dir=%s", str_or_none(cfg->sanlock.disk_lease_dir)));
    g_ptr_array_add(out, g_strdup_printf("sanlock.host_id=%u", cfg->sanlock.host_id));
    g_ptr_array_add(out, g_strdup_printf("sanlock.require_lease_for_disks=%d", cfg->sanlock.require_lease_for_disks));
    g_ptr_array_add(out, g_strdup_printf("sanlock.io_timeout=%u", cfg->sanlock.io_timeout));
    g_ptr_array_add(out, g_strdup_printf("sanlock.user=%s", str_or_none(cfg->sanlock.user)));
    g_ptr_array_add(out, g_strdup_printf("sanlock.group=%s", str_or_none(cfg->sanlock.group)));
    return out;
}

static char *
join(GPtrArray *a)
{
    g_ptr_array_add(a, NULL);
    return g_strjoinv("\n", (char **)a->pdata);
}

static char *
dump(const QvLockConfig *cfg)
{
    g_autoptr(GPtrArray) a = fields(cfg);

    return join(a);
}

/* The defaults' dump with @changes ("key=value key=value") applied */
static char *
expected(const char *changes)
{
    g_autoptr(QvLockConfig) defaults = qv_lock_config_new_defaults("/d");
    g_autoptr(GPtrArray) a = fields(defaults);
    g_auto(GStrv) items = g_strsplit(changes, " ", -1);

    for (size_t i = 0; items[i]; i++) {
        size_t klen = strcspn(items[i], "=");
        bool found = false;

        if (!items[i][0])
            continue;
        for (size_t j = 0; j < a->len; j++) {
            if (strncmp(a->pdata[j], items[i], klen + 1) == 0) {
                g_free(a->pdata[j]);
                a->pdata[j] = g_strdup(items[i]);
                found = true;
            }
        }
        g_assert_true(found);
    }
    return join(a);
}

static void
test_case(gconstpointer data)
{
    const ConfigCase *c = data;
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults("/d");
    g_autoptr(GError) err = NULL;
    const char *origin = strcmp(c->name, "unknown-file") == 0 ? "x" : c->file;
    /* a copy without its NUL, so that a read past the end shows */
    g_autofree char *text = g_memdup2(c->text, strlen(c->text));
    bool ok = qv_lock_config_parse(cfg, c->file, text, strlen(c->text), origin, &err);
    g_autofree char *got = dump(cfg);
    g_autofree char *want = expected(c->want ? c->want : "");

    if (c->want) {
        g_assert_no_error(err);
        g_assert_true(ok);
    } else {
        g_assert_false(ok);
        g_assert_nonnull(err);
        g_assert_true(err->domain == QV_ERROR);
        g_assert_cmpint(err->code, ==, strcmp(c->name, "unknown-file") == 0 ? QV_ERR_INVALID_ARG : QV_ERR_PARSE);
        g_assert_cmpstr(err->message, ==, c->err);
    }
    /* a failed file changed nothing */
    g_assert_cmpstr(got, ==, want);
}

static void
test_defaults(void)
{
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults("/etc/qvirt");

    g_assert_cmpstr(cfg->config_dir, ==, "/etc/qvirt");
    g_assert_cmpint(cfg->manager, ==, QV_LOCK_MANAGER_LOCKD);
    g_assert_true(cfg->lockd.auto_disk_leases);
    g_assert_false(cfg->lockd.require_lease_for_disks);
    g_assert_null(cfg->lockd.file_lockspace_dir);
    g_assert_false(cfg->sanlock.auto_disk_leases);
    g_assert_cmpstr(cfg->sanlock.disk_lease_dir, ==, "/var/lib/libvirt/sanlock");
    g_assert_cmpuint(cfg->sanlock.host_id, ==, 0);
    g_assert_true(cfg->sanlock.require_lease_for_disks);
    g_assert_cmpuint(cfg->sanlock.io_timeout, ==, 0);
    g_assert_null(cfg->sanlock.user);
    for (int i = 0; i < QV_LOCK_MANAGER_LAST; i++)
        g_assert_cmpint(qv_lock_manager_kind_from_string(qv_lock_manager_kind_to_string(i)), ==, i);
    g_assert_cmpint(qv_lock_manager_kind_from_string("none"), ==, -1);
    g_assert_cmpint(qv_lock_manager_kind_from_string(NULL), ==, -1);
    g_assert_null(qv_lock_manager_kind_to_string(QV_LOCK_MANAGER_LAST));
}

/* Files parsed one after the other each set their own part; a second
 * qemu-sanlock.conf replaces the strings of the first without a leak */
static void
test_sequence(void)
{
    static const char sanlock1[] = "user = 'a'\ndisk_lease_dir = '/one'";
    static const char sanlock2[] = "user = 'b'";
    static const char lockd[] = "file_lockspace_dir = '/f'";
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults("/d");
    g_autoptr(GError) err = NULL;

    g_assert_true(qv_lock_config_parse(cfg, S, sanlock1, strlen(sanlock1), "s1", &err));
    g_assert_true(qv_lock_config_parse(cfg, S, sanlock2, strlen(sanlock2), "s2", &err));
    g_assert_true(qv_lock_config_parse(cfg, L, lockd, strlen(lockd), "l", &err));
    g_assert_no_error(err);
    g_assert_cmpstr(cfg->sanlock.user, ==, "b");
    g_assert_cmpstr(cfg->sanlock.disk_lease_dir, ==, "/one");
    g_assert_cmpstr(cfg->lockd.file_lockspace_dir, ==, "/f");
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;

    g_assert_true(g_file_set_contents(path, text, -1, &err));
    g_assert_no_error(err);
}

static void
test_load_missing(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *absent = g_build_filename(dir, "absent", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvLockConfig) empty = qv_lock_config_load(dir, &err);
    g_autoptr(QvLockConfig) none = NULL;
    g_autofree char *got = NULL;
    g_autofree char *want = expected("");

    g_assert_no_error(err);
    g_assert_cmpstr(empty->config_dir, ==, dir);
    got = dump(empty);
    g_assert_cmpstr(got, ==, want);
    g_clear_pointer(&got, g_free);

    /* no folder at all is no file at all */
    none = qv_lock_config_load(absent, &err);
    g_assert_no_error(err);
    got = dump(none);
    g_assert_cmpstr(got, ==, want);
    qv_test_rmtree(dir);
}

static void
test_load_files(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autoptr(GError) err = NULL;
    g_autoptr(QvLockConfig) cfg = NULL;
    g_autofree char *got = NULL;
    g_autofree char *want = expected("manager=sanlock sanlock.host_id=12 sanlock.auto_disk_leases=1 "
                                     "sanlock.require_lease_for_disks=0");

    write_file(dir, "qemu.conf", "# libvirt's qemu.conf\nlock_manager = \"sanlock\"\n");
    write_file(dir, "qemu-sanlock.conf", "auto_disk_leases = 1\nhost_id = 12\n");
    cfg = qv_lock_config_load(dir, &err);
    g_assert_no_error(err);
    got = dump(cfg);
    g_assert_cmpstr(got, ==, want);
    g_clear_pointer(&cfg, qv_lock_config_free);
    g_clear_pointer(&got, g_free);
    g_clear_pointer(&want, g_free);

    /* all three */
    write_file(dir, "qemu-lockd.conf", "auto_disk_leases = 0\nfile_lockspace_dir = '/var/lib/libvirt/lockd/files'\n");
    cfg = qv_lock_config_load(dir, &err);
    g_assert_no_error(err);
    got = dump(cfg);
    want = expected("manager=sanlock sanlock.host_id=12 sanlock.auto_disk_leases=1 "
                    "sanlock.require_lease_for_disks=0 lockd.auto_disk_leases=0 "
                    "lockd.require_lease_for_disks=1 lockd.file_lockspace_dir=/var/lib/libvirt/lockd/files");
    g_assert_cmpstr(got, ==, want);
    qv_test_rmtree(dir);
}

/* An error in a file on disk names the file by its full path, and every
 * file is checked, not only the chosen manager's */
static void
test_load_error(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autoptr(GError) err = NULL;
    g_autoptr(QvLockConfig) cfg = NULL;
    g_autofree char *msg = NULL;

    write_file(dir, "qemu.conf", "lock_manager = \"lockd\"\n");
    write_file(dir, "qemu-sanlock.conf", "# unused\n\nhost_id = 9999\n");
    cfg = qv_lock_config_load(dir, &err);
    g_assert_null(cfg);
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
    msg = g_strdup_printf("%s/qemu-sanlock.conf:3: key 'host_id': 9999 is out of range 1 to 2000 (or 0: unset)", dir);
    g_assert_cmpstr(err->message, ==, msg);
    qv_test_rmtree(dir);
}

/* A folder where a file should be is an error naming it, not defaults */
static void
test_load_folder(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *sub = g_build_filename(dir, "qemu-lockd.conf", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvLockConfig) cfg = NULL;
    g_autofree char *msg = NULL;

    g_assert_cmpint(mkdir(sub, 0755), ==, 0);
    cfg = qv_lock_config_load(dir, &err);
    g_assert_null(cfg);
    g_assert_error(err, QV_ERROR, QV_ERR_IO);
    msg = g_strdup_printf("cannot read '%s': %s", sub, g_strerror(EISDIR));
    g_assert_cmpstr(err->message, ==, msg);
    qv_test_rmtree(dir);
}

static void
test_load_unreadable(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(QvLockConfig) cfg = NULL;
    g_autofree char *msg = NULL;

    if (geteuid() == 0) {
        g_test_skip("root reads a file of mode 0000 (the folder case covers the error)");
        return;
    }
    dir = qv_test_mkdtemp();
    write_file(dir, "qemu.conf", "lock_manager = \"nop\"\n");
    path = g_build_filename(dir, "qemu.conf", NULL);
    g_assert_cmpint(chmod(path, 0), ==, 0);
    cfg = qv_lock_config_load(dir, &err);
    g_assert_null(cfg);
    g_assert_error(err, QV_ERROR, QV_ERR_IO);
    msg = g_strdup_printf("cannot open '%s': %s", path, g_strerror(EACCES));
    g_assert_cmpstr(err->message, ==, msg);
    qv_test_rmtree(dir);
}

static void
test_load_large(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, "qemu.conf", NULL);
    g_autofree char *big = g_strnfill(1024 * 1024 + 1, '#');
    g_autoptr(GError) err = NULL;
    g_autoptr(QvLockConfig) cfg = NULL;
    g_autofree char *msg = NULL;

    write_file(dir, "qemu.conf", big);
    cfg = qv_lock_config_load(dir, &err);
    g_assert_null(cfg);
    g_assert_nonnull(err);
    msg = g_strdup_printf("file '%s' is larger than 1048576 bytes", path);
    g_assert_cmpstr(err->message, ==, msg);
    qv_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/lock-config/parse/%s", cases[i].name);

        g_test_add_data_func(path, &cases[i], test_case);
    }
    g_test_add_func("/lock-config/defaults", test_defaults);
    g_test_add_func("/lock-config/sequence", test_sequence);
    g_test_add_func("/lock-config/load/missing", test_load_missing);
    g_test_add_func("/lock-config/load/files", test_load_files);
    g_test_add_func("/lock-config/load/error", test_load_error);
    g_test_add_func("/lock-config/load/folder", test_load_folder);
    g_test_add_func("/lock-config/load/unreadable", test_load_unreadable);
    g_test_add_func("/lock-config/load/large", test_load_large);
    return g_test_run();
}
