/*
 * test-qemu-argv: domain XML -> QEMU arguments.
 *
 * Golden files: tests/data/qemu-argv/NAME.xml gives NAME.args (one
 * argument per line).  Every -blockdev is checked against QEMU's own QMP
 * schema (query-qmp-schema of the installed QEMU) when the schema
 * validator is built in; and every configuration QEMU can open without
 * network servers or host devices is started for real (-S, -qmp stdio)
 * with small images, and the node names QEMU reports must be exactly the
 * ones the builder generated.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu/qv-blockdev.h"
#include "qemu/qv-command.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "qemu/qv-qemu-validate.h"
#include "qv-test-util.h"

#include "qemu/qv-qapi.h"

typedef struct {
    const char *name;
    bool real;           /* QEMU can open it: local files only */
} ArgvCase;

static const ArgvCase cases[] = {
    { "file-raw", true }, { "file-qcow2", true },
    { "chain-depth1", true }, { "chain-depth2", true },
    { "chain-depth3", true }, { "chain-depth4", true },
    { "chain-depth5", true }, { "chain-unknown-end", true },
    { "chain-formats", true }, { "formats-flat", true },
    { "cache-none", true }, { "cache-writethrough", true },
    { "cache-writeback", true }, { "cache-directsync", true },
    { "cache-unsafe", true },
    { "io-native", true }, { "io-threads", true }, { "io-uring", true },
    { "discard-unmap", true }, { "discard-ignore", true },
    { "copy-on-read", true }, { "readonly", true }, { "shareable", true },
    { "serial-boot", true }, { "alias", true },
    { "net-nbd", false }, { "net-iscsi", false }, { "net-rbd", false },
    { "net-gluster", false }, { "net-curl", false }, { "net-ssh", false },
    { "net-nfs", false }, { "encryption-luks", false }, { "auth-network", false },
    { "quorum-3", true }, { "quorum-nested", true }, { "quorum-options", true },
    { "virtio-scsi", true }, { "sata-cdrom-empty", true },
    { "sata-cdrom", true }, { "ide-pc", true }, { "sata-pc", true },
    { "floppy-q35", true }, { "floppy-pc", true },
    { "lun-block", false }, { "block-disk", false },
    { "many-disks", true }, { "paused", true }, { "machine-pc", true },
    { "no-disks", true }, { "usb-root-ports", true }, { "pc-virtio", true },
    { "disk-props-virtio", true }, { "disk-props-scsi", true }, { "disk-props-ide", true },
    { "net-opts", false },
};

static QvDomainDef *
load_case(const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"), "qemu-argv", file, NULL);
    g_autoptr(GError) err = NULL;
    QvDomainDef *def = qv_domain_parse_file(path, 0, &err);

    g_assert_no_error(err);
    /* what the supervisor does before it builds the command line */
    g_assert_true(qv_qemu_assign_aliases(def, &err));
    g_assert_no_error(err);
    qv_domain_assign_indexes(def, true);
    return def;
}

static GPtrArray *
build_case(const QvDomainDef *def, const char *name, const char *emulator,
           bool monitor)
{
    g_autofree char *qmp = g_strdup_printf("/run/qvirt/%s/qmp.sock", name);
    g_autofree char *log = g_strdup_printf("/var/log/qvirt/%s/serial.log", name);
    QvQemuBuildOptions opts = {
        .emulator = emulator,
        .qmp_socket = monitor ? qmp : NULL,
        .serial_log = monitor ? log : NULL,
        .accel = "tcg",
        .paused = g_str_equal(name, "paused") || !monitor,
    };
    g_autoptr(GError) err = NULL;
    GPtrArray *argv = qv_qemu_build_argv(def, &opts, &err);

    g_assert_no_error(err);
    g_assert_nonnull(argv);
    return argv;
}

static void
test_golden(gconstpointer data)
{
    const ArgvCase *c = data;
    g_autoptr(QvDomainDef) def = load_case(c->name);
    g_autoptr(GPtrArray) argv = build_case(def, c->name, NULL, true);
    g_autofree char *rel = g_strdup_printf("qemu-argv/%s.args", c->name);
    g_autoptr(GString) out = g_string_new(NULL);
    size_t i;

    for (i = 0; i + 1 < argv->len; i++)
        g_string_append_printf(out, "%s\n", (char *)argv->pdata[i]);
    g_assert_null(argv->pdata[argv->len - 1]);
    qv_test_golden(rel, out->str);
}

/* ---- running QEMU ---- */

/*
 * Run QEMU (under a deadline) with -qmp stdio fed from @input; its stdout.
 * stdin, stdout and stderr are files in @dir, so no pipe can fill up.
 */
static char *
run_qemu(GPtrArray *argv, const char *input, const char *dir)
{
    g_autoptr(GPtrArray) full = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *in_path = g_build_filename(dir, "qmp.in", NULL);
    g_autofree char *out_path = g_build_filename(dir, "qmp.out", NULL);
    g_autofree char *err_path = g_build_filename(dir, "qemu.err", NULL);
    g_autofree char *out = NULL;
    g_autofree char *err_out = NULL;
    int in_fd, out_fd, err_fd, status = 0;
    GPid pid;
    size_t i;

    /* timeout(1) kills a QEMU that hangs, so no test leaves one behind */
    g_ptr_array_add(full, (char *)"timeout");
    g_ptr_array_add(full, (char *)"-k");
    g_ptr_array_add(full, (char *)"5");
    g_ptr_array_add(full, (char *)"120");
    for (i = 0; i + 1 < argv->len; i++)
        g_ptr_array_add(full, argv->pdata[i]);
    g_ptr_array_add(full, (char *)"-qmp");
    g_ptr_array_add(full, (char *)"stdio");
    g_ptr_array_add(full, NULL);

    g_file_set_contents(in_path, input, -1, &err);
    g_assert_no_error(err);
    in_fd = open(in_path, O_RDONLY | O_CLOEXEC);
    out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_true(in_fd >= 0 && out_fd >= 0 && err_fd >= 0);
    g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)full->pdata, NULL,
                                     G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                     NULL, NULL, in_fd, out_fd, err_fd, NULL, NULL, 0,
                                     &pid, NULL, NULL, NULL, &err);
    close(in_fd);
    close(out_fd);
    close(err_fd);
    g_assert_no_error(err);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_spawn_close_pid(pid);
    g_file_get_contents(out_path, &out, NULL, NULL);
    g_file_get_contents(err_path, &err_out, NULL, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        g_error("QEMU failed (status %d): %s\n%s", status, err_out, out);
    return g_steal_pointer(&out);
}

/* The first reply of QMP output @out whose "return" is an array */
static json_object *
qmp_array_reply(const char *out)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    size_t i;

    for (i = 0; lines[i]; i++) {
        g_autoptr(json_object) msg = NULL;
        json_object *ret = NULL;

        if (!*lines[i])
            continue;
        msg = json_tokener_parse(lines[i]);
        g_assert_nonnull(msg);
        if (json_object_object_get_ex(msg, "error", NULL))
            g_error("QMP error: %s", lines[i]);
        if (json_object_object_get_ex(msg, "return", &ret) &&
            json_object_is_type(ret, json_type_array))
            return json_object_get(ret);
    }
    g_error("no array reply in QMP output: %s", out);
    return NULL;
}

static const char qmp_named_nodes[] =
    "{\"execute\":\"qmp_capabilities\"}\n"
    "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}\n"
    "{\"execute\":\"quit\"}\n";

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Node names the builder generated for all disks, sorted, newline-joined */
static char *
expected_nodes(const QvDomainDef *def)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
    size_t i, j;

    for (i = 0; i < def->ndisks; i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(json_object) props = qv_blockdev_props(def->disks[i], &err);
        g_autoptr(GPtrArray) names = NULL;

        g_assert_no_error(err);
        names = qv_blockdev_node_names(props);
        for (j = 0; j < names->len; j++)
            g_ptr_array_add(all, g_strdup(names->pdata[j]));
    }
    g_ptr_array_sort(all, cmp_str);
    g_ptr_array_add(all, NULL);
    return g_strjoinv("\n", (char **)all->pdata);
}

static char *
reported_nodes(json_object *reply)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; i < json_object_array_length(reply); i++) {
        json_object *nn = NULL;
        g_assert_true(json_object_object_get_ex(json_object_array_get_idx(reply, i), "node-name", &nn));
        g_ptr_array_add(all, g_strdup(json_object_get_string(nn)));
    }
    g_ptr_array_sort(all, cmp_str);
    g_ptr_array_add(all, NULL);
    return g_strjoinv("\n", (char **)all->pdata);
}

/*
 * Put every file of @src's tree in @dir (renamed "<n>-<base>") and create
 * it there with qemu-img, bottom-up, each image naming its backing by
 * absolute path and format.
 */
static void
materialise(QvStorageSource *src, const char *dir, unsigned int *counter)
{
    g_autofree char *base = NULL;
    g_autofree char *path = NULL;
    const char *fmt;
    size_t i;

    for (i = 0; i < src->nbacking; i++)
        materialise(src->backing[i], dir, counter);
    if (src->type == QV_STORAGE_DIR) {
        /* a folder for QEMU's virtual FAT */
        path = g_strdup_printf("%s/%u-dir", dir, (*counter)++);
        g_assert_cmpint(mkdir(path, 0700), ==, 0);
        g_free(src->path);
        src->path = g_steal_pointer(&path);
        return;
    }
    if (src->type != QV_STORAGE_FILE)
        return;
    base = g_path_get_basename(src->path);
    path = g_strdup_printf("%s/%u-%s", dir, (*counter)++, base);
    fmt = src->format == QV_FORMAT_ISO ? "raw" : qv_format_to_string(src->format);
    if (src->nbacking == 1)
        qv_test_qemu_img("create", "-q", "-f", fmt, "-u", "-b", src->backing[0]->path,
                         "-F", qv_format_to_string(src->backing[0]->format),
                         path, "1440K", NULL);
    else
        qv_test_qemu_img("create", "-q", "-f", fmt, path, "1440K", NULL);
    g_free(src->path);
    src->path = g_steal_pointer(&path);
}

static void
test_qemu_accepts(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    size_t i, j;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(QvDomainDef) def = NULL;
        g_autoptr(GPtrArray) argv = NULL;
        g_autoptr(json_object) reply = NULL;
        g_autofree char *out = NULL;
        g_autofree char *want = NULL;
        g_autofree char *got = NULL;
        g_autofree char *sub = NULL;
        unsigned int counter = 0;

        if (!cases[i].real)
            continue;
        def = load_case(cases[i].name);
        sub = g_build_filename(dir, cases[i].name, NULL);
        g_assert_cmpint(mkdir(sub, 0700), ==, 0);
        for (j = 0; j < def->ndisks; j++)
            materialise(def->disks[j]->src, sub, &counter);
        argv = build_case(def, cases[i].name, "qemu-system-x86_64", false);
        g_test_message("starting QEMU for '%s'", cases[i].name);
        out = run_qemu(argv, qmp_named_nodes, sub);
        reply = qmp_array_reply(out);
        want = expected_nodes(def);
        got = reported_nodes(reply);
        g_assert_cmpstr(got, ==, want);
    }
    qv_test_rmtree(dir);
}

/* ---- device properties, as QEMU reports them ---- */

typedef struct {
    const char *dev;     /* qdev id */
    const char *prop;
    const char *want;    /* the JSON of qom-get's return */
} PropCheck;

/* Start case @name and compare what qom-get says of each property */
static void
check_props(const char *name, const PropCheck *checks, size_t n)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autoptr(QvDomainDef) def = load_case(name);
    g_autoptr(GPtrArray) argv = NULL;
    g_autoptr(GString) in = g_string_new("{\"execute\":\"qmp_capabilities\"}\n");
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;
    unsigned int counter = 0;
    size_t got = 0;

    for (size_t j = 0; j < def->ndisks; j++)
        materialise(def->disks[j]->src, dir, &counter);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(in, "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/peripheral/%s\",\"property\":\"%s\"},\"id\":%zu}\n",
                               checks[i].dev, checks[i].prop, i);
    g_string_append(in, "{\"execute\":\"quit\"}\n");
    argv = build_case(def, name, "qemu-system-x86_64", false);
    out = run_qemu(argv, in->str, dir);
    lines = g_strsplit(out, "\n", -1);
    for (size_t l = 0; lines[l]; l++) {
        g_autoptr(json_object) msg = *lines[l] ? json_tokener_parse(lines[l]) : NULL;
        json_object *id = NULL, *ret = NULL;
        size_t i;

        if (!msg || !json_object_object_get_ex(msg, "id", &id))
            continue;
        i = (size_t)json_object_get_int(id);
        if (!json_object_object_get_ex(msg, "return", &ret))
            g_error("%s: qom-get %s.%s: %s", name, checks[i].dev, checks[i].prop, lines[l]);
        g_assert_cmpstr(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), ==,
                        checks[i].want);
        got++;
    }
    g_assert_cmpuint(got, ==, n);
    qv_test_rmtree(dir);
}

static void
test_qemu_props(void)
{
    static const PropCheck virtio[] = {
        { "virtio-disk0", "num-queues", "2" },
        { "virtio-disk0", "queue-size", "128" },
        { "virtio-disk0", "iothread", "\"/objects/iothread2\"" },
        { "virtio-disk0", "ioeventfd", "true" },
        { "virtio-disk0", "event_idx", "false" },
        { "virtio-disk0", "werror", "\"stop\"" },
        { "virtio-disk0", "rerror", "\"report\"" },
        { "virtio-disk0", "cyls", "1000" },
        { "virtio-disk0", "logical_block_size", "512" },
        { "virtio-disk0", "physical_block_size", "4096" },
        { "virtio-disk1", "werror", "\"ignore\"" },
        { "virtio-disk1", "rerror", "\"ignore\"" },
    };
    static const PropCheck scsi[] = {
        { "scsi0-0-0-0", "wwn", "5764824127192592812" },
        { "scsi0-0-0-0", "vendor", "\"QVIRT\"" },
        { "scsi0-0-0-0", "product", "\"Test Disk\"" },
        { "scsi0-0-0-0", "serial", "\"QV-0001\"" },
        { "scsi0-0-0-0", "rotation_rate", "1" },
        { "scsi0-0-0-0", "werror", "\"enospc\"" },
        { "scsi0-0-0-0", "logical_block_size", "4096" },
        { "usb-disk1", "removable", "true" },
    };
    static const PropCheck ide[] = {
        { "ide0-0-0", "wwn", "5764824127192592813" },
        { "ide0-0-0", "cyls", "2" },
        { "ide0-0-0", "heads", "16" },
        { "ide0-0-0", "secs", "63" },
        { "ide0-0-0", "bios-chs-trans", "\"lba\"" },
        { "ide0-0-0", "rotation_rate", "7200" },
        { "ide0-0-0", "rerror", "\"ignore\"" },
    };

    check_props("disk-props-virtio", virtio, G_N_ELEMENTS(virtio));
    check_props("disk-props-scsi", scsi, G_N_ELEMENTS(scsi));
    check_props("disk-props-ide", ide, G_N_ELEMENTS(ide));
}

/* ---- deep chains, built in memory ---- */

static QvDiskDef *
make_chain_disk(unsigned int depth)
{
    g_autoptr(QvDiskDef) disk = qv_disk_def_new();
    g_autoptr(QvStorageSource) below = NULL;
    unsigned int i;

    for (i = depth; i-- > 0;) {
        g_autoptr(QvStorageSource) src = qv_source_new(QV_STORAGE_FILE);
        src->format = QV_FORMAT_QCOW2;
        src->path = g_strdup_printf("/img/l%u.qcow2", i);
        src->backing_known = true;
        if (below)
            qv_source_add_backing(src, &below);
        below = g_steal_pointer(&src);
    }
    qv_source_free(disk->src);
    disk->src = g_steal_pointer(&below);
    disk->has_source = true;
    disk->dst = g_strdup("vda");
    disk->bus = QV_DISK_BUS_VIRTIO;
    disk->device = QV_DISK_DEVICE_DISK;
    return g_steal_pointer(&disk);
}

static const char *
node_str(json_object *node, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(node, key, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

static void
check_deep_chain(unsigned int depth)
{
    g_autoptr(QvDiskDef) disk = make_chain_disk(depth);
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) props = NULL;
    json_object *bottom;
    json_object *v = NULL;
    unsigned int i;

    /* indexes top-down from 1: element i is index i + 1 */
    g_assert_cmpuint(qv_disk_assign_indexes(disk, 0), ==, depth);
    props = qv_blockdev_props(disk, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(json_object_array_length(props), ==, 2 * depth);
    /* bottom-up: element i from the top is at 2 * (depth - 1 - i) */
    for (i = 0; i < depth; i++) {
        json_object *proto = json_object_array_get_idx(props, 2 * (depth - 1 - i));
        json_object *fmt = json_object_array_get_idx(props, 2 * (depth - 1 - i) + 1);
        g_autofree char *sname = g_strdup_printf("vda-s%u", i + 1);
        g_autofree char *fname = g_strdup_printf("vda-f%u", i + 1);
        g_autofree char *below = g_strdup_printf("vda-f%u", i + 2);

        g_assert_cmpstr(node_str(proto, "node-name"), ==, sname);
        g_assert_cmpstr(node_str(fmt, "node-name"), ==, fname);
        g_assert_cmpstr(node_str(fmt, "file"), ==, sname);
        g_assert_true(json_object_get_boolean(json_object_object_get(fmt, "read-only")) == (i > 0));
        if (i + 1 < depth)
            g_assert_cmpstr(node_str(fmt, "backing"), ==, below);
    }
    bottom = json_object_array_get_idx(props, 1);
    g_assert_true(json_object_object_get_ex(bottom, "backing", &v));
    g_assert_null(v);
}

static void
test_deep_chain(void)
{
    check_deep_chain(1000);
    /* no recursion over the depth, no JSON nesting: 5,000 works too */
    check_deep_chain(5000);
}

/* ---- errors ---- */

static void
expect_error(QvDiskDef *disk, const char *message)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) props = NULL;

    qv_disk_assign_indexes(disk, 0);
    props = qv_blockdev_props(disk, &err);
    g_assert_null(props);
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
}

static void
test_errors(void)
{
    g_autoptr(QvDiskDef) disk = make_chain_disk(2);
    g_autoptr(QvDomainDef) def = qv_domain_def_new();
    g_autoptr(QvDiskDef) fd = make_chain_disk(1);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) argv = NULL;
    QvQemuBuildOptions opts = { 0 };

    disk->io = QV_DISK_IO_NATIVE;
    expect_error(disk, "disk 'vda': io='native' needs cache='none' or cache='directsync'");
    disk->io = QV_DISK_IO_DEFAULT;
    disk->detect_zeroes = QV_DETECT_ZEROES_UNMAP;
    expect_error(disk, "disk 'vda': detect_zeroes='unmap' needs discard='unmap'");
    disk->detect_zeroes = QV_DETECT_ZEROES_DEFAULT;
    disk->src->backing[0]->format = QV_FORMAT_NONE;
    expect_error(disk, "disk 'vda': the format of '/img/l1.qcow2' is not known; give it with <format type=...> (qvirt never lets QEMU probe)");
    disk->src->backing[0]->format = QV_FORMAT_QCOW2;
    disk->src->format = QV_FORMAT_RAW;
    expect_error(disk, "disk 'vda': '/img/l0.qcow2' has format 'raw', which cannot have a backing store");
    disk->src->format = QV_FORMAT_QCOW2;
    disk->src->backing[0]->format = QV_FORMAT_LUKS;
    expect_error(disk, "disk 'vda': '/img/l1.qcow2' is a LUKS image: give <encryption format='luks'> with its <secret type='passphrase' uuid='...'/> in its <source>");
    disk->src->backing[0]->format = QV_FORMAT_QCOW2;
    g_free(disk->dst);
    disk->dst = g_strdup("vdaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    disk->src->type = QV_STORAGE_FILE;
    expect_error(disk, "disk 'vdaaaaaaaaaaaaaaaaaaaaaaaaaaa': node name 'vdaaaaaaaaaaaaaaaaaaaaaaaaaaa-f2' is longer than QEMU's limit of 31 characters; use a shorter target name");

    g_free(fd->dst);
    fd->dst = g_strdup("fda");
    fd->bus = QV_DISK_BUS_FDC;
    fd->device = QV_DISK_DEVICE_FLOPPY;
    fd->serial = g_strdup("X");
    def->name = g_strdup("e");
    qv_domain_add_disk(def, &fd);
    qv_domain_assign_indexes(def, true);
    argv = qv_qemu_build_argv(def, &opts, &err);
    g_assert_null(argv);
    g_assert_cmpstr(err->message, ==, "disk 'fda': a floppy has no serial number");

    /* a third floppy has no unit (valgrind: and its id is not leaked) */
    g_clear_error(&err);
    g_clear_pointer(&def->disks[0]->serial, g_free);
    g_free(def->disks[0]->dst);
    def->disks[0]->dst = g_strdup("fdc");
    g_assert_false(qv_qemu_assign_aliases(def, &err));
    g_assert_cmpstr(err->message, ==, "disk 'fdc': target 'fdc' is beyond the 2 devices of bus 'fdc'");
    g_assert_null(def->disks[0]->alias);
}

/* Every definition start builds a command line for passes define's QEMU
 * rules: the rules are the builders' own, so they cannot be stricter */
static void
test_validate_accepts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *file = g_strdup_printf("%s.xml", cases[i].name);
        g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"), "qemu-argv", file, NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(QvDomainDef) def = qv_domain_parse_file(path, 0, &err);

        g_assert_no_error(err);
        if (!qv_qemu_validate_def(def, &err))
            g_error("%s: %s", cases[i].name, err->message);
    }
}

static void
test_disk_index(void)
{
    g_assert_cmpint(qv_qemu_disk_index("vda"), ==, 0);
    g_assert_cmpint(qv_qemu_disk_index("sdb"), ==, 1);
    g_assert_cmpint(qv_qemu_disk_index("hdz"), ==, 25);
    g_assert_cmpint(qv_qemu_disk_index("sdaa"), ==, 26);
    g_assert_cmpint(qv_qemu_disk_index("vdba"), ==, 52);
    g_assert_cmpint(qv_qemu_disk_index("xyz"), ==, -1);
    g_assert_cmpint(qv_qemu_disk_index("vd1"), ==, -1);
}

/* ---- QEMU's QMP schema ---- */

static void
test_schema(void)
{
    g_autoptr(QvDomainDef) nodisk = load_case("no-disks");
    g_autoptr(GPtrArray) qargv = build_case(nodisk, "no-disks", "qemu-system-x86_64", false);
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *out = run_qemu(qargv, "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-qmp-schema\"}\n{\"execute\":\"quit\"}\n", dir);
    g_autoptr(json_object) schema_list = qmp_array_reply(out);
    g_autoptr(GError) err = NULL;
    QvQapiSchema *schema = qv_qapi_schema_new(schema_list, &err);
    size_t i, j;

    g_assert_no_error(err);
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(QvDomainDef) def = load_case(cases[i].name);
        g_autoptr(GPtrArray) argv = build_case(def, cases[i].name, NULL, true);

        for (j = 0; j + 2 < argv->len; j++) {
            g_autoptr(json_object) args = NULL;

            if (!g_str_equal(argv->pdata[j], "-blockdev"))
                continue;
            args = qv_json_parse_object(argv->pdata[j + 1], &err);
            g_assert_no_error(err);
            if (!qv_qapi_validate_command_args(schema, "blockdev-add", args, &err))
                g_error("%s: %s: %s", cases[i].name, (char *)argv->pdata[j + 1], err->message);
        }
    }
    qv_qapi_schema_free(schema);
    qv_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu-argv/golden/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_golden);
    }
    g_test_add_func("/qemu-argv/deep-chain", test_deep_chain);
    g_test_add_func("/qemu-argv/errors", test_errors);
    g_test_add_func("/qemu-argv/validate-accepts", test_validate_accepts);
    g_test_add_func("/qemu-argv/disk-index", test_disk_index);
    g_test_add_func("/qemu-argv/schema", test_schema);
    g_test_add_func("/qemu-argv/qemu-accepts", test_qemu_accepts);
    g_test_add_func("/qemu-argv/qemu-props", test_qemu_props);
    return g_test_run();
}
