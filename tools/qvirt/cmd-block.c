/*
 * Block job commands, with virsh's names and options: blockcopy,
 * blockjob, blockpull, blockcommit, and snapshot-create-as --disk-only.
 * They go through the public API (include/qvirt/qvirt.h).  --wait asks
 * the domain's supervisor, which follows the job, to answer once it is
 * ready or has ended; with --verbose or --json the CLI polls the job's
 * info instead, to show its progress.  The job belongs to the supervisor
 * either way: killing the CLI never stops it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"
#include "lib/qv-cli-support.h"

static const QvCommand qv_cmd_blockcopy, qv_cmd_blockjob, qv_cmd_blockpull, qv_cmd_blockcommit,
    qv_cmd_snapshot;
extern const QvCommand *const qv_block_commands[];
extern const size_t qv_block_ncommands;

#define POLL_US (100 * 1000)

static const char *const job_titles[] = {
    "Block Job", "Block Pull", "Block Copy", "Block Commit", "Active Block Commit",
    "Quorum Child Fill", "Quorum Repair", "Quorum Scrub",
};

static QvirtDomain *
open_dom(QvirtConnect **conn, const char *name, GError **error)
{
    if (!(*conn = qvirt_connect_open(qv_cli_root, error)))
        return NULL;
    qv_cli_fork_supervisors(true);
    return qvirt_domain_lookup(*conn, name, error);
}

static const char *
title(int type)
{
    return type >= 0 && type < (int)G_N_ELEMENTS(job_titles) ? job_titles[type] : "Block Job";
}

static bool
has_ready_phase(int type)
{
    return type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY || type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT;
}

/* The API makes cur == end mean ready for a job with a ready phase, also
 * when it had nothing to copy (0 of 0 bytes): that is 100 %.  Any other
 * job with end 0 has not measured its work yet. */
static unsigned int
percent(const QvirtDomainBlockJobInfo *info)
{
    if (info->cur >= info->end)
        return info->end || has_ready_phase(info->type) ? 100 : 0;
    return (unsigned int)(info->cur * 100 / info->end);
}

static void
progress(const QvirtDomainBlockJobInfo *info, bool verbose, bool json)
{
    unsigned int pct = percent(info);

    if (json) {
        printf("{\"event\":\"progress\",\"type\":%d,\"cur\":%llu,\"end\":%llu}\n",
               info->type, info->cur, info->end);
        fflush(stdout);
    } else if (verbose) {
        fprintf(stderr, "\r%s: [%3u %%]", title(info->type), pct);
        if (!isatty(2))
            fputc('\n', stderr);
    }
}

/* A terminal's progress line is rewritten in place: end it */
static void
end_progress(bool verbose, bool json)
{
    if (verbose && !json && isatty(2))
        fputc('\n', stderr);
}

static int poll_job(QvirtDomain *dom, const char *disk, bool verbose, bool json,
                    int timeout_s, GError **error);

/*
 * Poll until the job is ready (a copy or active commit) or gone.
 * Returns 1 when ready, 0 when ended, -1 on error or timeout (the job is
 * then aborted, as virsh does).
 */
static int
wait_job(QvirtDomain *dom, const char *disk, bool verbose, bool json, int timeout_s,
         GError **error)
{
    /* without progress to show, the supervisor tells the moment itself */
    if (!verbose && !json) {
        g_autoptr(GError) err = NULL;
        int r = qvirt_domain_block_job_wait(dom, disk, timeout_s > 0 ? (unsigned int)timeout_s * 1000 : 0, &err);

        if (r >= 0)
            return r;
        if (timeout_s > 0 && g_error_matches(err, QVIRT_ERROR, QVIRT_ERR_TIMEOUT)) {
            qvirt_domain_block_job_abort(dom, disk, 0, NULL);
            g_set_error(error, QVIRT_ERROR, QVIRT_ERR_TIMEOUT, "the block job on disk '%s' did not end within %d s; it was aborted",
                        disk, timeout_s);
            return -1;
        }
        g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    return poll_job(dom, disk, verbose, json, timeout_s, error);
}

static int
poll_job(QvirtDomain *dom, const char *disk, bool verbose, bool json, int timeout_s,
         GError **error)
{
    gint64 deadline = timeout_s > 0 ? g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC : 0;
    int last_type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN;

    for (;;) {
        QvirtDomainBlockJobInfo info;
        int r = qvirt_domain_get_block_job_info(dom, disk, &info, QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES, error);

        if (r < 0) {
            end_progress(verbose, json);
            return -1;
        }
        if (r == 0) {
            /* gone: the supervisor keeps a failed job's error for a
             * waiter, and answers at once */
            if (qvirt_domain_block_job_wait(dom, disk, 0, error) < 0) {
                end_progress(verbose, json);
                return -1;
            }
            if (verbose && !json) {
                QvirtDomainBlockJobInfo done = { .type = last_type, .cur = 1, .end = 1 };

                progress(&done, verbose, json);
                end_progress(verbose, json);
            }
            return 0;
        }
        progress(&info, verbose, json);
        last_type = info.type;
        if (has_ready_phase(info.type) && info.cur == info.end) {
            end_progress(verbose, json);
            return 1;
        }
        if (deadline && g_get_monotonic_time() > deadline) {
            end_progress(verbose, json);
            qvirt_domain_block_job_abort(dom, disk, 0, NULL);
            g_set_error(error, QVIRT_ERROR, QVIRT_ERR_TIMEOUT, "%s on disk '%s' did not end within %d s; it was aborted",
                        title(info.type), disk, timeout_s);
            return -1;
        }
        g_usleep(POLL_US);
    }
}

static void
say(bool json, const char *event, const char *text)
{
    if (json)
        printf("{\"event\":\"%s\"}\n", event);
    else
        printf("%s\n", text);
}

/* The options of every command that starts a job: its speed and how to
 * follow it */
typedef struct {
    gint64 bandwidth;
    gboolean bytes, wait, verbose, async, json;
    gint timeout;
} JobOpts;

#define JOB_OPTION_ENTRIES(o) \
    { "bandwidth", 0, 0, G_OPTION_ARG_INT64, &(o).bandwidth, "limit, MiB/s (bytes/s with --bytes)", "N" }, \
    { "bytes", 0, 0, G_OPTION_ARG_NONE, &(o).bytes, "--bandwidth is in bytes/s", NULL }, \
    { "wait", 0, 0, G_OPTION_ARG_NONE, &(o).wait, "wait for the end, or for the ready phase of a copy or active commit", NULL }, \
    { "verbose", 0, 0, G_OPTION_ARG_NONE, &(o).verbose, "show progress", NULL }, \
    { "timeout", 0, 0, G_OPTION_ARG_INT, &(o).timeout, "with --wait: abort after S seconds", "S" }, \
    { "async", 0, 0, G_OPTION_ARG_NONE, &(o).async, "do not wait for a pivot or abort to end", NULL }, \
    { "json", 0, 0, G_OPTION_ARG_NONE, &(o).json, "progress and results as JSON lines", NULL }

static bool
check_job_opts(const QvCommand *cmd, const JobOpts *o, GError **error)
{
    if (o->bandwidth < 0) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "%s: the bandwidth cannot be negative", cmd->name);
        return false;
    }
    return true;
}

/* After the job has started: --wait, then --pivot or --finish (abort) */
static int
follow(QvirtDomain *dom, const char *disk, const char *what, const JobOpts *o,
       bool pivot, bool finish, GError **error)
{
    bool json = o->json, async = o->async;
    g_autofree char *started = g_strdup_printf("%s started", what);
    int r;

    if (!o->wait) {
        say(json, "started", started);
        return 0;
    }
    if ((r = wait_job(dom, disk, o->verbose, json, o->timeout, error)) < 0)
        return 1;
    if (r == 0) {
        g_autofree char *done = g_strdup_printf("%s complete", what);

        say(json, "completed", done);
        return 0;
    }
    if (pivot || finish) {
        if (qvirt_domain_block_job_abort(dom, disk, (pivot ? QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT : 0) |
                                         (async ? QVIRT_DOMAIN_BLOCK_JOB_ABORT_ASYNC : 0), error) < 0)
            return 1;
        say(json, pivot ? "pivoted" : "finished",
            pivot ? "Successfully pivoted" : (strcmp(what, "Block Copy") == 0 ?
                                              "Successfully copied" : "Commit complete, overlay image kept"));
        return 0;
    }
    say(json, "ready", "Now in mirroring phase");
    return 0;
}

static int
run_blockcopy(int argc, char **argv, GError **error)
{
    gboolean shallow = FALSE, reuse = FALSE, raw = FALSE;
    gboolean pivot = FALSE, finish = FALSE, transient = FALSE, syncw = FALSE;
    gchar *format = NULL, *xmlfile = NULL;
    gint64 granularity = 0, bufsize = 0;
    JobOpts o = { 0 };
    const GOptionEntry entries[] = {
        JOB_OPTION_ENTRIES(o),
        { "shallow", 0, 0, G_OPTION_ARG_NONE, &shallow, "copy only the top image; the copy gets the same backing chain", NULL },
        { "reuse-external", 0, 0, G_OPTION_ARG_NONE, &reuse, "copy into an existing destination", NULL },
        { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "the destination is raw (never probed)", NULL },
        { "format", 0, 0, G_OPTION_ARG_STRING, &format, "the destination's format", "FMT" },
        { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xmlfile, "the destination as a <disk> XML file", "FILE" },
        { "granularity", 0, 0, G_OPTION_ARG_INT64, &granularity, "dirty bitmap granularity, bytes", "N" },
        { "buf-size", 0, 0, G_OPTION_ARG_INT64, &bufsize, "copy buffer size, bytes", "N" },
        { "pivot", 0, 0, G_OPTION_ARG_NONE, &pivot, "with --wait: switch the disk to the copy", NULL },
        { "finish", 0, 0, G_OPTION_ARG_NONE, &finish, "with --wait: end the copy, keep the original", NULL },
        { "transient-job", 0, 0, G_OPTION_ARG_NONE, &transient, "the definition does not follow a pivot", NULL },
        { "synchronous-writes", 0, 0, G_OPTION_ARG_NONE, &syncw, "guest writes reach the copy before they complete", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *xml = NULL;
    QvirtTypedParameter params[3];
    unsigned int flags = 0;
    int np = 0, ret = 1;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_blockcopy, entries, &argc, &argv, 2, 3, &help_shown, error)) {
        ret = help_shown ? 0 : 1;
        goto out;
    }
    if ((pivot || finish) && !o.wait) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcopy: --pivot and --finish need --wait");
        goto out;
    }
    if (pivot && finish) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcopy: --pivot and --finish exclude each other");
        goto out;
    }
    if ((argc == 4) == (xmlfile != NULL)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcopy: give the destination as DEST or with --xml FILE, not both");
        goto out;
    }
    if (raw && format && strcmp(format, "raw") != 0) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcopy: --raw and --format %s exclude each other", format);
        goto out;
    }
    if (xmlfile) {
        if (!g_file_get_contents(xmlfile, &xml, NULL, error))
            goto out;
    } else {
        g_autofree char *esc = g_markup_escape_text(argv[3], -1);
        g_autofree char *fmt = raw ? g_strdup("raw") : g_strdup(format);
        g_autofree char *drv = fmt ? g_markup_printf_escaped("<driver type='%s'/>", fmt) : g_strdup("");
        bool block = g_file_test(argv[3], G_FILE_TEST_EXISTS) && !g_file_test(argv[3], G_FILE_TEST_IS_REGULAR);

        if (argv[3][0] != '/') {
            g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcopy: the destination '%s' must be an absolute path", argv[3]);
            goto out;
        }
        xml = g_strdup_printf("<disk type='%s'>%s<source %s='%s'/></disk>", block ? "block" : "file",
                              drv, block ? "dev" : "file", esc);
    }
    if (shallow)
        flags |= QVIRT_DOMAIN_BLOCK_COPY_SHALLOW;
    if (reuse)
        flags |= QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT;
    if (transient)
        flags |= QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB;
    if (syncw)
        flags |= QVIRT_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES;
    if (!check_job_opts(&qv_cmd_blockcopy, &o, error))
        goto out;
    if (granularity < 0 || bufsize < 0) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcopy: sizes cannot be negative");
        goto out;
    }
    if (o.bandwidth)
        params[np++] = (QvirtTypedParameter){ QVIRT_DOMAIN_BLOCK_COPY_BANDWIDTH,
                                              o.bytes ? (unsigned long long)o.bandwidth : (unsigned long long)o.bandwidth << 20 };
    if (granularity)
        params[np++] = (QvirtTypedParameter){ QVIRT_DOMAIN_BLOCK_COPY_GRANULARITY, (unsigned long long)granularity };
    if (bufsize)
        params[np++] = (QvirtTypedParameter){ QVIRT_DOMAIN_BLOCK_COPY_BUF_SIZE, (unsigned long long)bufsize };
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_block_copy(dom, argv[2], xml, params, np, flags, error) < 0)
        goto out;
    ret = follow(dom, argv[2], "Block Copy", &o, pivot, finish, error);
 out:
    g_free(format);
    g_free(xmlfile);
    return ret;
}

static int
run_blockjob(int argc, char **argv, GError **error)
{
    gboolean info = FALSE, abort_ = FALSE, pivot = FALSE, async = FALSE, raw = FALSE, bytes = FALSE;
    gint64 bandwidth = -1;
    const GOptionEntry entries[] = {
        { "info", 0, 0, G_OPTION_ARG_NONE, &info, "show the job (the default)", NULL },
        { "abort", 0, 0, G_OPTION_ARG_NONE, &abort_, "stop the job; the disk stays on its chain", NULL },
        { "pivot", 0, 0, G_OPTION_ARG_NONE, &pivot, "switch a ready copy or active commit over", NULL },
        { "bandwidth", 0, 0, G_OPTION_ARG_INT64, &bandwidth, "set the limit, MiB/s (bytes/s with --bytes)", "N" },
        { "bytes", 0, 0, G_OPTION_ARG_NONE, &bytes, "bandwidth in bytes/s", NULL },
        { "async", 0, 0, G_OPTION_ARG_NONE, &async, "return before the abort or pivot ends", NULL },
        { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "--info as key=value lines", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    QvirtDomainBlockJobInfo ji;
    bool help_shown;
    int r;

    if (!qv_cli_parse(&qv_cmd_blockjob, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if ((abort_ + pivot + (bandwidth >= 0) + info) > 1) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockjob: give one of --info, --abort, --pivot, --bandwidth");
        return 1;
    }
    if (!(dom = open_dom(&conn, argv[1], error)))
        return 1;
    if (abort_ || pivot)
        return qvirt_domain_block_job_abort(dom, argv[2], (pivot ? QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT : 0) |
                                            (async ? QVIRT_DOMAIN_BLOCK_JOB_ABORT_ASYNC : 0), error) < 0;
    if (bandwidth >= 0)
        return qvirt_domain_block_job_set_speed(dom, argv[2], (unsigned long)bandwidth,
                                                bytes ? QVIRT_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES : 0, error) < 0;
    if ((r = qvirt_domain_get_block_job_info(dom, argv[2], &ji, QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES, error)) < 0)
        return 1;
    if (r == 0) {
        if (!raw)
            printf("No current block job for %s\n", argv[2]);
        return 0;
    }
    if (raw)
        printf(" type=%d\n bandwidth=%lu\n cur=%llu\n end=%llu\n", ji.type, ji.bandwidth, ji.cur, ji.end);
    else
        printf("%s: [%3u %%]    Bandwidth limit: %lu bytes/s\n", title(ji.type),
               percent(&ji), ji.bandwidth);
    return 0;
}

static int
run_blockpull(int argc, char **argv, GError **error)
{
    gboolean relative = FALSE;
    gchar *base = NULL;
    JobOpts o = { 0 };
    const GOptionEntry entries[] = {
        { "base", 0, 0, G_OPTION_ARG_STRING, &base, "stop at this image (path or vda[N]); default: pull everything", "B" },
        { "keep-relative", 0, 0, G_OPTION_ARG_NONE, &relative, "write the base's name relative to the top", NULL },
        JOB_OPTION_ENTRIES(o),
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    unsigned int flags;
    bool help_shown;
    int ret = 1;

    if (!qv_cli_parse(&qv_cmd_blockpull, entries, &argc, &argv, 2, 2, &help_shown, error)) {
        ret = help_shown ? 0 : 1;
        goto out;
    }
    flags = (o.bytes ? QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES : 0) |
            (relative ? QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE : 0);
    if (!check_job_opts(&qv_cmd_blockpull, &o, error) ||
        !(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_block_rebase(dom, argv[2], base, (unsigned long)o.bandwidth, flags, error) < 0)
        goto out;
    ret = follow(dom, argv[2], "Block Pull", &o, false, false, error);
 out:
    g_free(base);
    return ret;
}

static int
run_blockcommit(int argc, char **argv, GError **error)
{
    gboolean active = FALSE, pivot = FALSE, keep = FALSE, shallow = FALSE, del = FALSE;
    gboolean relative = FALSE;
    gchar *base = NULL, *top = NULL;
    JobOpts o = { 0 };
    const GOptionEntry entries[] = {
        { "base", 0, 0, G_OPTION_ARG_STRING, &base, "commit into this image (path or vda[N]); default: the bottom", "B" },
        { "top", 0, 0, G_OPTION_ARG_STRING, &top, "commit from this image; default: the active layer", "T" },
        { "active", 0, 0, G_OPTION_ARG_NONE, &active, "commit the active layer (a job with a ready phase)", NULL },
        { "pivot", 0, 0, G_OPTION_ARG_NONE, &pivot, "with --active --wait: switch the disk to the base", NULL },
        { "keep-overlay", 0, 0, G_OPTION_ARG_NONE, &keep, "with --active --wait: end, keep the overlay active", NULL },
        { "shallow", 0, 0, G_OPTION_ARG_NONE, &shallow, "commit into the image right below the top", NULL },
        { "delete", 0, 0, G_OPTION_ARG_NONE, &del, "delete the committed images after success", NULL },
        { "keep-relative", 0, 0, G_OPTION_ARG_NONE, &relative, "write the base's name relative to the overlay", NULL },
        JOB_OPTION_ENTRIES(o),
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    unsigned int flags = 0;
    bool help_shown;
    int ret = 1;

    if (!qv_cli_parse(&qv_cmd_blockcommit, entries, &argc, &argv, 2, 2, &help_shown, error)) {
        ret = help_shown ? 0 : 1;
        goto out;
    }
    if ((pivot || keep) && !(active && o.wait)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcommit: --pivot and --keep-overlay need --active and --wait");
        goto out;
    }
    if (pivot && keep) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockcommit: --pivot and --keep-overlay exclude each other");
        goto out;
    }
    if (!check_job_opts(&qv_cmd_blockcommit, &o, error))
        goto out;
    flags = (active ? QVIRT_DOMAIN_BLOCK_COMMIT_ACTIVE : 0) | (shallow ? QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW : 0) |
            (del ? QVIRT_DOMAIN_BLOCK_COMMIT_DELETE : 0) | (relative ? QVIRT_DOMAIN_BLOCK_COMMIT_RELATIVE : 0) |
            (o.bytes ? QVIRT_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES : 0);
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_block_commit(dom, argv[2], base, top, (unsigned long)o.bandwidth, flags, error) < 0)
        goto out;
    ret = follow(dom, argv[2], "Block Commit", &o, pivot, keep, error);
 out:
    g_free(base);
    g_free(top);
    return ret;
}

/* "vda,snapshot=external,file=/p" or "vda,/p" (virsh's --diskspec) */
static bool
diskspec_xml(GString *xml, const char *spec, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    g_autofree char *mode = NULL, *file = NULL;

    if (!parts[0] || !parts[0][0]) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "snapshot-create-as: empty --diskspec");
        return false;
    }
    for (int i = 1; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], "snapshot="))
            mode = g_strdup(parts[i] + 9);
        else if (g_str_has_prefix(parts[i], "file="))
            file = g_strdup(parts[i] + 5);
        else if (!strchr(parts[i], '=') && !file)
            file = g_strdup(parts[i]);
        else if (!g_str_has_prefix(parts[i], "driver=") && !g_str_has_prefix(parts[i], "stype=")) {
            g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "snapshot-create-as: --diskspec '%s': unknown part '%s'", spec, parts[i]);
            return false;
        }
    }
    {
        g_autofree char *d = g_markup_printf_escaped("<disk name='%s'", parts[0]);

        g_string_append(xml, d);
    }
    if (mode) {
        g_autofree char *m = g_markup_printf_escaped(" snapshot='%s'", mode);

        g_string_append(xml, m);
    }
    if (file) {
        g_autofree char *f = g_markup_printf_escaped("><source file='%s'/></disk>", file);

        g_string_append(xml, f);
    } else {
        g_string_append(xml, "/>");
    }
    return true;
}

static int
run_snapshot(int argc, char **argv, GError **error)
{
    gboolean disk_only = FALSE, reuse = FALSE, nometa = FALSE, atomic = FALSE;
    gchar **specs = NULL;
    const GOptionEntry entries[] = {
        { "disk-only", 0, 0, G_OPTION_ARG_NONE, &disk_only, "external overlays for the disks only (required)", NULL },
        { "diskspec", 0, 0, G_OPTION_ARG_STRING_ARRAY, &specs, "DISK[,snapshot=external|no][,file=PATH]", "SPEC" },
        { "reuse-external", 0, 0, G_OPTION_ARG_NONE, &reuse, "the overlays exist already", NULL },
        { "no-metadata", 0, 0, G_OPTION_ARG_NONE, &nometa, "keep no record of the snapshot", NULL },
        { "atomic", 0, 0, G_OPTION_ARG_NONE, &atomic, "all disks or none (always so)", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autoptr(GString) xml = g_string_new("<domainsnapshot>");
    bool help_shown;
    int ret = 1;

    if (!qv_cli_parse(&qv_cmd_snapshot, entries, &argc, &argv, 1, 3, &help_shown, error)) {
        ret = help_shown ? 0 : 1;
        goto out;
    }
    if (argc > 2) {
        g_autofree char *n = g_markup_printf_escaped("<name>%s</name>", argv[2]);

        g_string_append(xml, n);
    }
    g_string_append(xml, "<disks>");
    for (int i = 0; specs && specs[i]; i++) {
        if (!diskspec_xml(xml, specs[i], error))
            goto out;
    }
    g_string_append(xml, "</disks></domainsnapshot>");
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_snapshot_create_xml(dom, xml->str,
                                         (disk_only ? QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY : 0) |
                                         (reuse ? QVIRT_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT : 0) |
                                         (nometa ? QVIRT_DOMAIN_SNAPSHOT_CREATE_NO_METADATA : 0) |
                                         (atomic ? QVIRT_DOMAIN_SNAPSHOT_CREATE_ATOMIC : 0), error) < 0)
        goto out;
    if (argc > 2)
        printf("Domain snapshot %s created\n", argv[2]);
    else
        printf("Domain snapshot created\n");
    ret = 0;
 out:
    g_strfreev(specs);
    return ret;
}

static const QvCommand qv_cmd_blockcopy = {
    .name = "blockcopy", .args = "DOMAIN DISK [DEST] [--shallow] [--reuse-external] [--raw] [--format FMT] [--xml FILE] [--bandwidth N] [--bytes] [--granularity N] [--buf-size N] [--wait] [--pivot|--finish] [--verbose] [--timeout S] [--async] [--transient-job] [--synchronous-writes] [--json]",
    .summary = "copy a running disk to a new image, then switch to it",
    .help = "Starts a live copy (QEMU's mirror) of DISK (vda, vda[N] or an image path) to DEST. The copy has the top image's format unless --format or --raw; with --shallow only the top image is copied and the copy is backed by the same chain; with --reuse-external DEST exists already (empty, or for --shallow holding what the backing chain holds: its own chain is read from its header and used after the pivot). The job copies, then mirrors new writes (ready); --wait waits for that, then --pivot switches the disk to the copy (the definition follows unless --transient-job) or --finish ends the job keeping the original. 'qvirt blockjob' follows, pivots or aborts it later.",
    .run = run_blockcopy,
};
static const QvCommand qv_cmd_blockjob = {
    .name = "blockjob", .args = "DOMAIN DISK [--info|--abort|--pivot|--bandwidth N [--bytes]] [--async] [--raw]",
    .summary = "show, abort, pivot or throttle a disk's block job",
    .help = "--info (the default) shows the job's progress; --abort stops it (a copy leaves the disk on its original chain); --pivot switches a ready copy or active commit over (refused until ready); --bandwidth sets the limit.",
    .run = run_blockjob,
};
static const QvCommand qv_cmd_blockpull = {
    .name = "blockpull", .args = "DOMAIN DISK [--base B] [--bandwidth N] [--bytes] [--keep-relative] [--wait] [--verbose] [--timeout S] [--async] [--json]",
    .summary = "stream the backing chain's data into the top image",
    .help = "Copies the data of the images below the top (down to B, excluded) into the top image; afterwards the top is backed by B (or by nothing) and the images in between leave the chain.",
    .run = run_blockpull,
};
static const QvCommand qv_cmd_blockcommit = {
    .name = "blockcommit", .args = "DOMAIN DISK [--base B] [--top T] [--active] [--pivot|--keep-overlay] [--shallow] [--delete] [--keep-relative] [--bandwidth N] [--bytes] [--wait] [--verbose] [--timeout S] [--async] [--json]",
    .summary = "merge images of the chain down into a lower one",
    .help = "Writes the data of T (default: the active layer, which needs --active) and the images between it and B into B (default: the bottom; --shallow: the image right below T); they then leave the chain, and with --delete their files are removed. An active commit has a ready phase like a copy: --pivot makes B the top, --keep-overlay ends it keeping the overlay.",
    .run = run_blockcommit,
};

static const QvCommand qv_cmd_snapshot = {
    .name = "snapshot-create-as", .args = "DOMAIN [NAME [DESCRIPTION]] --disk-only [--diskspec DISK[,snapshot=external|no][,file=PATH]]... [--reuse-external] [--no-metadata] [--atomic]",
    .summary = "add a qcow2 overlay to every disk of a running domain, at once",
    .help = "Disk-only external snapshot: each writable disk (or those --diskspec names) gets a qcow2 overlay that records its backing file's format (default name: the top image's with its extension replaced by NAME), and QEMU switches all disks to their overlays in one transaction. The live and persistent definitions gain the layer; unless --no-metadata a record is kept under the state folder. Refused while a block job runs on a disk.",
    .run = run_snapshot,
};

const QvCommand *const qv_block_commands[] = {
    &qv_cmd_blockcopy,
    &qv_cmd_blockjob,
    &qv_cmd_blockpull,
    &qv_cmd_blockcommit,
    &qv_cmd_snapshot,
};
const size_t qv_block_ncommands = G_N_ELEMENTS(qv_block_commands);
