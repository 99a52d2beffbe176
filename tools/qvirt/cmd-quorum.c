/*
 * Quorum and disk health commands: blockquorum (qvirt's own: a running
 * quorum's children shown, added, removed, replaced, the quorum
 * scrubbed) and domblkerror (virsh's).  They go through the public API;
 * the add, replace and scrub jobs belong to the supervisor, --wait only
 * follows them.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"
#include "lib/qv-cli-support.h"

static const QvCommand qv_cmd_blockquorum, qv_cmd_domblkerror;
extern const QvCommand *const qv_quorum_commands[];
extern const size_t qv_quorum_ncommands;

#define POLL_US (100 * 1000)

static QvirtDomain *
open_dom(QvirtConnect **conn, const char *name, GError **error)
{
    if (!(*conn = qvirt_connect_open(qv_cli_root, error)))
        return NULL;
    qv_cli_fork_supervisors(true);
    return qvirt_domain_lookup(*conn, name, error);
}

/* A <backingStore> for an image path (a block device gets type='block') */
static char *
child_xml(const char *path, const char *format)
{
    g_autofree char *p = g_markup_escape_text(path, -1);
    g_autofree char *f = format ? g_markup_escape_text(format, -1) : NULL;
    g_autofree char *fmt = f ? g_strdup_printf("<format type='%s'/>", f) : g_strdup("");
    struct stat st;
    bool block = stat(path, &st) == 0 && S_ISBLK(st.st_mode);

    return g_strdup_printf("<backingStore type='%s'>%s<source %s='%s'/></backingStore>",
                           block ? "block" : "file", fmt, block ? "dev" : "file", p);
}

static const char *
str(json_object *o, const char *key)
{
    json_object *v = NULL;

    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* for printf: never NULL */
static const char *
text(json_object *o, const char *key)
{
    const char *s = str(o, key);

    return s ? s : "";
}

static gint64
num(json_object *o, const char *key)
{
    json_object *v = NULL;

    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static char *
when(gint64 t)
{
    g_autoptr(GDateTime) d = g_date_time_new_from_unix_local(t);

    return d ? g_date_time_format(d, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

/* "read: Input/output error at sector 0 (+128), 2026-12-01 16:49:39" */
static char *
health_text(json_object *h)
{
    g_autofree char *t = NULL;

    if (!h)
        return g_strdup("ok");
    t = when(num(h, "time"));
    return g_strdup_printf("%s: %s at sector %" G_GINT64_FORMAT " (+%" G_GINT64_FORMAT "), %s",
                           str(h, "type") ? str(h, "type") : "?",
                           str(h, "error") ? str(h, "error") : "outvoted",
                           num(h, "sector"), num(h, "count"), t);
}

static const char *
child_of_node(json_object *info, const char *node)
{
    json_object *kids = NULL;
    static char buf[64];

    json_object_object_get_ex(info, "children", &kids);
    for (size_t i = 0; kids && i < json_object_array_length(kids); i++) {
        json_object *c = json_object_array_get_idx(kids, i);

        if (g_strcmp0(str(c, "node"), node) == 0) {
            g_snprintf(buf, sizeof(buf), "child %zu (%s)", i, text(c, "source"));
            return buf;
        }
    }
    return node ? node : "";
}

static void
print_scrub(json_object *info)
{
    json_object *s = NULL, *bad = NULL;
    size_t n;

    if (!json_object_object_get_ex(info, "scrub", &s))
        return;
    json_object_object_get_ex(s, "bad", &bad);
    n = bad ? json_object_array_length(bad) : 0;
    printf("Last scrub: %s, %zu bad range%s\n", text(s, "state"), n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(bad, i);

        printf("  %s: %s, sector %" G_GINT64_FORMAT " (+%" G_GINT64_FORMAT ")\n",
               child_of_node(info, text(b, "node")), text(b, "type"), num(b, "sector"), num(b, "count"));
    }
}

static void
print_info(json_object *info)
{
    json_object *kids = NULL, *err = NULL, *job = NULL;
    size_t n;

    json_object_object_get_ex(info, "children", &kids);
    n = kids ? json_object_array_length(kids) : 0;
    printf("Quorum %s (node %s): vote threshold %" G_GINT64_FORMAT " of %zu children\n",
           text(info, "disk"), text(info, "node"), num(info, "threshold"), n);
    printf(" %-4s %-8s %-10s %-7s %-36s %s\n", "Pos", "Index", "Node", "Format", "Source", "Health");
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(kids, i), *h = NULL;
        g_autofree char *idx = g_strdup_printf("%s[%" G_GINT64_FORMAT "]", text(info, "disk"), num(c, "index"));
        g_autofree char *ht = NULL;

        g_autofree char *src = num(c, "depth") > 1 ?
                               g_strdup_printf("%s (+%" G_GINT64_FORMAT " below)", text(c, "source"),
                                               num(c, "depth") - 1) : g_strdup(text(c, "source"));

        json_object_object_get_ex(c, "health", &h);
        ht = health_text(h);
        printf(" %-4zu %-8s %-10s %-7s %-36s %s\n", i, idx, text(c, "node"), text(c, "format"),
               src, ht);
    }
    if (json_object_object_get_ex(info, "error", &err)) {
        g_autofree char *t = health_text(err);

        printf("Disk error: %s\n", t);
    }
    if (json_object_object_get_ex(info, "job", &job))
        printf("Job: %s (%s)\n", text(job, "type"), text(job, "id"));
    print_scrub(info);
}

/* Until the job on @disk ends; --timeout aborts it */
static int
wait_end(QvirtDomain *dom, const char *disk, bool verbose, bool json, int timeout_s,
         GError **error)
{
    gint64 deadline = timeout_s > 0 ? g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC : 0;

    if (!verbose && !json) {
        g_autoptr(GError) err = NULL;

        if (qvirt_domain_block_job_wait(dom, disk, timeout_s > 0 ? (unsigned int)timeout_s * 1000 : 0,
                                        &err) >= 0)
            return 0;
        if (timeout_s > 0 && g_error_matches(err, QVIRT_ERROR, QVIRT_ERR_TIMEOUT)) {
            qvirt_domain_block_job_abort(dom, disk, 0, NULL);
            g_set_error(error, QVIRT_ERROR, QVIRT_ERR_TIMEOUT, "the quorum job on disk '%s' did not end within %d s; it was aborted",
                        disk, timeout_s);
            return -1;
        }
        g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    for (;;) {
        QvirtDomainBlockJobInfo ji;
        int r = qvirt_domain_get_block_job_info(dom, disk, &ji, QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES, error);
        unsigned int pct;

        if (r < 0)
            return -1;
        if (r == 0) {
            if (verbose && !json)
                fprintf(stderr, "\rQuorum job: [100 %%]\n");
            return qvirt_domain_block_job_wait(dom, disk, 0, error) < 0 ? -1 : 0;
        }
        pct = ji.end ? (unsigned int)(MIN(ji.cur, ji.end) * 100 / ji.end) : 0;
        if (json)
            printf("{\"event\":\"progress\",\"type\":%d,\"cur\":%llu,\"end\":%llu}\n", ji.type, ji.cur, ji.end);
        else
            fprintf(stderr, "\rQuorum job: [%3u %%]%s", pct, isatty(2) ? "" : "\n");
        fflush(stdout);
        if (deadline && g_get_monotonic_time() > deadline) {
            qvirt_domain_block_job_abort(dom, disk, 0, NULL);
            g_set_error(error, QVIRT_ERROR, QVIRT_ERR_TIMEOUT, "the quorum job on disk '%s' did not end within %d s; it was aborted",
                        disk, timeout_s);
            return -1;
        }
        g_usleep(POLL_US);
    }
}

static int
show_info(QvirtDomain *dom, const char *disk, bool json, bool scrub_only, GError **error)
{
    g_autofree char *text = qvirt_domain_block_quorum_info(dom, disk, 0, error);
    g_autoptr(json_object) info = NULL;

    if (!text)
        return 1;
    if (json) {
        printf("%s\n", text);
        return 0;
    }
    info = json_tokener_parse(text);
    if (scrub_only)
        print_scrub(info);
    else
        print_info(info);
    return 0;
}

static int
run_blockquorum(int argc, char **argv, GError **error)
{
    gboolean info = FALSE, scrub = FALSE, wait = FALSE, verbose = FALSE, json = FALSE;
    gchar *add = NULL, *xml = NULL, *remove = NULL, *replace = NULL, *with = NULL, *format = NULL;
    gint timeout = 0;
    const GOptionEntry entries[] = {
        { "info", 0, 0, G_OPTION_ARG_NONE, &info, "show the children and their health (the default)", NULL },
        { "add", 0, 0, G_OPTION_ARG_FILENAME, &add, "add a child on this image, filled from the quorum first", "SOURCE" },
        { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xml, "the new child as a <backingStore> element in FILE", "FILE" },
        { "format", 0, 0, G_OPTION_ARG_STRING, &format, "the new child's format (default: it must be raw)", "FMT" },
        { "remove", 0, 0, G_OPTION_ARG_STRING, &remove, "remove this child (position, vdb[N] or a path)", "CHILD" },
        { "replace", 0, 0, G_OPTION_ARG_STRING, &replace, "rebuild this child on --with SOURCE", "CHILD" },
        { "with", 0, 0, G_OPTION_ARG_FILENAME, &with, "the image replacing the child", "SOURCE" },
        { "scrub", 0, 0, G_OPTION_ARG_NONE, &scrub, "read everything through the vote; report bad children and ranges", NULL },
        { "wait", 0, 0, G_OPTION_ARG_NONE, &wait, "wait for the add, replace or scrub to end", NULL },
        { "verbose", 0, 0, G_OPTION_ARG_NONE, &verbose, "show progress", NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "with --wait: abort after S seconds", "S" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *cxml = NULL;
    const char *disk, *what;
    bool help_shown;
    int ops, ret = 1, r = -1;

    if (!qv_cli_parse(&qv_cmd_blockquorum, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    disk = argv[2];
    ops = info + !!(add || (xml && !replace)) + !!remove + !!replace + scrub;
    if (ops > 1) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockquorum: give one of --info, --add, --remove, --replace, --scrub");
        goto out;
    }
    if (xml && (add || with || format)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockquorum: --xml describes the child itself: no SOURCE or --format with it");
        goto out;
    }
    if (replace && !with && !xml) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockquorum: --replace needs --with SOURCE (or --xml FILE)");
        goto out;
    }
    if (xml && !g_file_get_contents(xml, &cxml, NULL, NULL)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "blockquorum: cannot read '%s'", xml);
        goto out;
    }
    if (!cxml && (add || with))
        cxml = child_xml(add ? add : with, format);
    if (!(dom = open_dom(&conn, argv[1], error)))
        goto out;
    if (ops == 0 || info) {
        ret = show_info(dom, disk, json, false, error);
        goto out;
    }
    if (remove) {
        if (qvirt_domain_block_quorum_remove(dom, disk, remove, 0, error) < 0)
            goto out;
        printf(json ? "{\"event\":\"removed\"}\n" : "Child %s removed from quorum %s\n", remove, disk);
        ret = 0;
        goto out;
    }
    if (scrub) {
        r = qvirt_domain_block_quorum_scrub(dom, disk, 0, error);
        what = "Scrub";
    } else if (replace) {
        r = qvirt_domain_block_quorum_replace(dom, disk, replace, cxml, 0, error);
        what = "Replacement";
    } else {
        r = qvirt_domain_block_quorum_add(dom, disk, cxml, 0, error);
        what = "Child addition";
    }
    if (r < 0)
        goto out;
    if (!wait) {
        printf(json ? "{\"event\":\"started\"}\n" : "%s started\n", what);
        ret = 0;
        goto out;
    }
    if (wait_end(dom, disk, verbose, json, timeout, error) < 0)
        goto out;
    if (json)
        printf("{\"event\":\"completed\"}\n");
    else
        printf("%s complete\n", what);
    ret = scrub ? show_info(dom, disk, json, true, error) : 0;
 out:
    g_free(add);
    g_free(xml);
    g_free(remove);
    g_free(replace);
    g_free(with);
    g_free(format);
    return ret;
}

static int
run_domblkerror(int argc, char **argv, GError **error)
{
    const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    QvirtDomainDiskError *errs = NULL;
    bool help_shown;
    int n;

    if (!qv_cli_parse(&qv_cmd_domblkerror, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        (n = qvirt_domain_get_disk_errors(dom, &errs, 0, error)) < 0)
        return 1;
    if (n == 0)
        printf("No errors found\n");
    for (int i = 0; i < n; i++)
        printf("%s: %s (%s)\n", errs[i].disk,
               errs[i].error == QVIRT_DOMAIN_DISK_ERROR_NO_SPACE ? "no space" : "unspecified error",
               errs[i].detail);
    qvirt_domain_disk_errors_free(errs, n);
    return 0;
}

/* "vdb-f3" -> "vdb[3]"; other node names as they are */
static char *
node_text(const char *node)
{
    const char *f = node ? strrchr(node, '-') : NULL;

    if (f && f[1] == 'f' && f[2] && strspn(f + 2, "0123456789") == strlen(f + 2))
        return g_strdup_printf("%.*s[%s]", (int)(f - node), node, f + 2);
    return g_strdup(node ? node : "?");
}

char *
qv_cli_health_event_text(const char *event, json_object *data)
{
    if (!event || !data)
        return NULL;
    if (strcmp(event, "QUORUM_REPORT_BAD") == 0) {
        g_autofree char *n = node_text(str(data, "node-name"));

        return g_strdup_printf("quorum child %s %s on %s at sector %" G_GINT64_FORMAT " (+%" G_GINT64_FORMAT ")",
                               n, str(data, "error") ? str(data, "error") : "outvoted",
                               text(data, "type"), num(data, "sector-num"), num(data, "sectors-count"));
    }
    if (strcmp(event, "QUORUM_FAILURE") == 0) {
        g_autofree char *n = node_text(str(data, "reference"));

        return g_strdup_printf("quorum %s failed its vote at sector %" G_GINT64_FORMAT " (+%" G_GINT64_FORMAT ")",
                               n, num(data, "sector-num"), num(data, "sectors-count"));
    }
    if (strcmp(event, "BLOCK_IO_ERROR") == 0) {
        g_autofree char *n = node_text(str(data, "node-name") ? str(data, "node-name") : str(data, "device"));

        return g_strdup_printf("%s error on %s: %s (action %s)", text(data, "operation"), n,
                               text(data, "reason"), text(data, "action"));
    }
    return NULL;
}

static const QvCommand qv_cmd_blockquorum = {
    .name = "blockquorum",
    .args = "DOMAIN DISK [--info] [--add SOURCE [--format FMT] | --xml FILE] [--remove CHILD] [--replace CHILD --with SOURCE [--format FMT]] [--scrub] [--wait] [--verbose] [--json] [--timeout S]",
    .summary = "show, add, remove, replace or scrub the children of a running quorum disk",
    .help = "--info (the default) lists the children of the quorum DISK (vdb, or vdb[N] for a nested quorum) with their position, index, node, source and health (the last error QEMU reported for each: QEMU throttles these reports to one a second per child, so they are never counted). "
            "--add SOURCE adds a child (raw unless --format; a qcow2's backing chain is read from the image; --xml FILE gives the child as a <backingStore> element with its own chain): it is filled from the quorum first and joins the vote only with the quorum's data (the guest is paused for the moment it joins). "
            "--remove CHILD (its position from 0, vdb[N] of any element of its chain, or a path in it) is refused when fewer children than the vote threshold would be left. "
            "--replace CHILD --with SOURCE rebuilds the child on a new image while the guest runs and puts it in the old one's slot; the old image is let go. "
            "--scrub reads the whole quorum through the vote and reports every outvoted child and range. "
            "Add, replace and scrub are block jobs: 'qvirt blockjob' shows or aborts them; --wait waits for the end (--verbose: progress, --timeout S: abort after S seconds). "
            "The vote threshold, read-pattern, rewrite-corrupted and blkverify cannot change while the guest runs (QEMU cannot reopen a quorum).",
    .run = run_blockquorum,
};

static const QvCommand qv_cmd_domblkerror = {
    .name = "domblkerror", .args = "DOMAIN",
    .summary = "show the disks whose last I/O failed",
    .help = "As virsh: one line per disk with an error, 'vda: no space' or 'vda: unspecified error', here followed by what failed and where; quorum children are named vdb[N]. 'No errors found' otherwise. The errors come from QEMU's BLOCK_IO_ERROR, QUORUM_FAILURE and QUORUM_REPORT_BAD events and survive a restart of the supervisor.",
    .run = run_domblkerror,
};

const QvCommand *const qv_quorum_commands[] = {
    &qv_cmd_blockquorum,
    &qv_cmd_domblkerror,
};
const size_t qv_quorum_ncommands = G_N_ELEMENTS(qv_quorum_commands);
