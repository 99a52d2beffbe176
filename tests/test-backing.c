/*
 * test-backing: table-driven tests of qv_backing_parse() and
 * qv_backing_is_relative().
 *
 * Each row is a backing string and its parent with either every field of
 * the expected source (a field left NULL must come out NULL, so each row
 * can fail) or a substring of the expected error.  Hosts are compared as
 * one string: "tcp:NAME:PORT", "rdma:NAME:PORT" or "unix:SOCKET",
 * separated by spaces, IPv6 names in brackets.
 */
#include "storage/qv-backing.h"
#include "util/qv-error.h"

#include <string.h>

#define TOP "/imgs/top.qcow2"

typedef struct {
    const char *label;
    const char *name;
    const char *parent;      /* NULL: TOP, unless cwd is set */
    bool cwd;                /* parent NULL; path is relative to the cwd */
    QvStorageType type;
    QvNetProtocol protocol;
    const char *path;
    const char *relpath;
    QvFormat format;
    const char *hosts;
    const char *query;
    const char *snapshot;
    const char *config;
    const char *user;
    const char *error;       /* set: parsing must fail with this text */
} BackingCase;

#define FILE_ROW(l, n, par, p, rel) \
    { .label = l, .name = n, .parent = par, .type = QV_STORAGE_FILE, \
      .path = p, .relpath = rel }
#define ERR_ROW(l, n, par, e) \
    { .label = l, .name = n, .parent = par, .error = e }
#define NET_ROW(l, n, pr, p, h) \
    { .label = l, .name = n, .type = QV_STORAGE_NETWORK, .protocol = pr, \
      .path = p, .hosts = h }

static const BackingCase cases[] = {
    /* Local names: relative ones are joined to the parent's folder as text */
    FILE_ROW("rel-plain", "base.qcow2", TOP, "/imgs/base.qcow2", "base.qcow2"),
    FILE_ROW("rel-dot", "./base.qcow2", TOP, "/imgs/./base.qcow2", "./base.qcow2"),
    FILE_ROW("rel-dotdot", "../other/base.qcow2", TOP,
             "/imgs/../other/base.qcow2", "../other/base.qcow2"),
    FILE_ROW("rel-subdir", "a/b/base.qcow2", TOP, "/imgs/a/b/base.qcow2",
             "a/b/base.qcow2"),
    FILE_ROW("rel-parent-no-folder", "base.qcow2", "top.qcow2", "base.qcow2",
             "base.qcow2"),
    FILE_ROW("rel-parent-relative", "base.qcow2", "dir/top.qcow2",
             "dir/base.qcow2", "base.qcow2"),
    FILE_ROW("rel-parent-in-root", "base.qcow2", "/top.qcow2", "/base.qcow2",
             "base.qcow2"),
    FILE_ROW("rel-parent-trailing-slash", "base.qcow2", "/imgs/",
             "/imgs/base.qcow2", "base.qcow2"),
    FILE_ROW("rel-parent-file-prefix", "base.qcow2", "file:/imgs/top.qcow2",
             "/imgs/base.qcow2", "base.qcow2"),
    FILE_ROW("rel-colon-unknown-proto", "a:b.qcow2", TOP, "/imgs/a:b.qcow2",
             "a:b.qcow2"),
    FILE_ROW("rel-colon-dash", "my-disk:1.qcow2", TOP,
             "/imgs/my-disk:1.qcow2", "my-disk:1.qcow2"),
    FILE_ROW("rel-dot-hides-proto", "./nbd:h:1", TOP, "/imgs/./nbd:h:1",
             "./nbd:h:1"),
    FILE_ROW("rel-leading-colon", ":x.img", TOP, "/imgs/:x.img", ":x.img"),
    { .label = "rel-cwd", .name = "base.qcow2", .cwd = true,
      .type = QV_STORAGE_FILE, .path = "base.qcow2", .relpath = "base.qcow2" },
    FILE_ROW("abs", "/var/lib/images/base.qcow2", TOP,
             "/var/lib/images/base.qcow2", NULL),
    FILE_ROW("abs-colon", "/imgs/a:b.qcow2", TOP, "/imgs/a:b.qcow2", NULL),
    FILE_ROW("abs-no-parent", "/imgs/base.qcow2", NULL, "/imgs/base.qcow2", NULL),
    FILE_ROW("file-prefix", "file:/imgs/base.qcow2", TOP, "/imgs/base.qcow2", NULL),
    FILE_ROW("file-prefix-slashes", "file:///imgs/base.qcow2", TOP,
             "///imgs/base.qcow2", NULL),
    { .label = "file-prefix-rel-cwd", .name = "file:base.qcow2", .cwd = true,
      .type = QV_STORAGE_FILE, .path = "base.qcow2", .relpath = "base.qcow2" },
    { .label = "host-device-prefix", .name = "host_device:/dev/sdb",
      .type = QV_STORAGE_BLOCK, .path = "/dev/sdb" },
    ERR_ROW("file-prefix-rel", "file:base.qcow2", TOP, "working folder"),
    ERR_ROW("file-prefix-empty", "file:", TOP, "missing file name after 'file:'"),
    ERR_ROW("empty", "", TOP, "the name is empty"),
    ERR_ROW("rel-network-parent", "base.qcow2", "nbd://h/top",
            "not a local file"),
    ERR_ROW("rel-json-parent", "base.qcow2",
            "json:{\"driver\":\"file\",\"filename\":\"/a\"}", "not a local file"),
    ERR_ROW("unknown-scheme", "foo://h/x", TOP, "unknown protocol 'foo'"),
    ERR_ROW("proto-wrong-case", "NBD:h:10809", TOP, "unknown protocol 'NBD'"),
    ERR_ROW("json-wrong-case", "JSON:{}", TOP, "unknown protocol 'JSON'"),
    ERR_ROW("sheepdog", "sheepdog:vdi", TOP, "protocol 'sheepdog' is not supported"),
    ERR_ROW("sheepdog-uri", "sheepdog://h:7000/vdi", TOP,
            "protocol 'sheepdog' is not supported"),

    /* NBD URIs */
    NET_ROW("nbd", "nbd://example.org:10809/export", QV_PROTO_NBD, "export",
            "tcp:example.org:10809"),
    NET_ROW("nbd-default-port", "nbd://example.org/export", QV_PROTO_NBD,
            "export", "tcp:example.org:0"),
    NET_ROW("nbd-no-export", "nbd://example.org", QV_PROTO_NBD, NULL,
            "tcp:example.org:0"),
    NET_ROW("nbd-slash-export", "nbd://example.org/", QV_PROTO_NBD, NULL,
            "tcp:example.org:0"),
    NET_ROW("nbd-tcp-encoded", "nbd+tcp://h:1234/e%20x", QV_PROTO_NBD, "e x",
            "tcp:h:1234"),
    NET_ROW("nbd-unix", "nbd+unix:///export?socket=/run/nbd.sock", QV_PROTO_NBD,
            "export", "unix:/run/nbd.sock"),
    NET_ROW("nbd-unix-encoded", "nbd+unix:///?socket=%2Frun%2Fa%20b.sock",
            QV_PROTO_NBD, NULL, "unix:/run/a b.sock"),
    NET_ROW("nbd-ipv6", "nbd://[::1]:10809/e", QV_PROTO_NBD, "e",
            "tcp:[::1]:10809"),
    NET_ROW("nbd-ipv6-zone", "nbd://[fe80::1%25eth0]/e", QV_PROTO_NBD, "e",
            "tcp:[fe80::1%eth0]:0"),
    ERR_ROW("nbd-unix-host", "nbd+unix://h/export?socket=/s", TOP,
            "must not name a host"),
    ERR_ROW("nbd-unix-no-socket", "nbd+unix:///export", TOP, "'?socket=PATH'"),
    ERR_ROW("nbd-unix-two-params", "nbd+unix:///e?socket=/s&x=1", TOP,
            "'?socket=PATH'"),
    ERR_ROW("nbd-tcp-query", "nbd://h/e?socket=/s", TOP,
            "unexpected query 'socket=/s'"),
    ERR_ROW("nbd-bad-port", "nbd://h:99999/x", TOP, "invalid port '99999'"),
    ERR_ROW("nbd-port-zero", "nbd://h:0/x", TOP, "invalid port '0'"),
    ERR_ROW("nbd-port-alpha", "nbd://h:12ab/x", TOP, "invalid port '12ab'"),
    ERR_ROW("nbd-empty-host", "nbd:///x", TOP, "missing host"),
    ERR_ROW("nbd-empty-host-port", "nbd://:10809/x", TOP, "missing host"),
    ERR_ROW("nbd-ipv6-unclosed", "nbd://[::1/x", TOP, "invalid IPv6 address"),
    ERR_ROW("nbd-ipv6-junk", "nbd://[::1]x/e", TOP, "invalid host"),
    ERR_ROW("nbd-space", "nbd://h h/x", TOP, "must be percent-encoded"),
    ERR_ROW("nbd-bad-escape", "nbd://h/%zz", TOP, "invalid percent-encoding"),
    ERR_ROW("nbd-escaped-nul", "nbd://h/a%00b", TOP, "invalid percent-encoding"),
    ERR_ROW("nbd-unix-no-slashes", "nbd+unix:/x", TOP, "expected 'nbd+unix://'"),

    /* NBD legacy colon syntax */
    NET_ROW("nbd-colon", "nbd:example.org:10809", QV_PROTO_NBD, NULL,
            "tcp:example.org:10809"),
    NET_ROW("nbd-colon-export", "nbd:example.org:10809:exportname=disk",
            QV_PROTO_NBD, "disk", "tcp:example.org:10809"),
    NET_ROW("nbd-colon-unix", "nbd:unix:/run/nbd.sock", QV_PROTO_NBD, NULL,
            "unix:/run/nbd.sock"),
    NET_ROW("nbd-colon-unix-export", "nbd:unix:/run/nbd.sock:exportname=disk",
            QV_PROTO_NBD, "disk", "unix:/run/nbd.sock"),
    NET_ROW("nbd-colon-ipv6", "nbd:[::1]:10809:exportname=e", QV_PROTO_NBD, "e",
            "tcp:[::1]:10809"),
    ERR_ROW("nbd-colon-no-port", "nbd:example.org", TOP, "missing port"),
    ERR_ROW("nbd-colon-empty", "nbd:", TOP, "missing server"),
    ERR_ROW("nbd-colon-empty-export", "nbd:h:10809:exportname=", TOP,
            "empty export name"),
    ERR_ROW("nbd-colon-empty-socket", "nbd:unix:", TOP, "missing unix socket path"),
    ERR_ROW("nbd-colon-bad-port", "nbd:h:70000", TOP, "invalid port '70000'"),
    ERR_ROW("nbd-colon-ipv6-bare", "nbd:::1:10809", TOP, "brackets"),

    /* iSCSI */
    NET_ROW("iscsi", "iscsi://example.org/iqn.2013-07.com.example:iscsi-nopool/1",
            QV_PROTO_ISCSI, "iqn.2013-07.com.example:iscsi-nopool/1",
            "tcp:example.org:0"),
    { .label = "iscsi-user", .name = "iscsi://alice%secret@example.org:3261/iqn.x:t/0",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_ISCSI, .path = "iqn.x:t/0",
      .hosts = "tcp:example.org:3261", .user = "alice" },
    NET_ROW("iscsi-ipv6", "iscsi://[2001:db8::1]:3260/iqn.x/2", QV_PROTO_ISCSI,
            "iqn.x/2", "tcp:[2001:db8::1]:3260"),
    NET_ROW("iser", "iser://h/iqn.x/3", QV_PROTO_ISCSI, "iqn.x/3", "rdma:h:0"),
    ERR_ROW("iscsi-no-lun", "iscsi://h/iqn.x", TOP, "'/TARGET/LUN'"),
    ERR_ROW("iscsi-bad-lun", "iscsi://h/iqn.x/abc", TOP, "invalid LUN 'abc'"),
    ERR_ROW("iscsi-no-host", "iscsi:///iqn.x/1", TOP, "missing host"),

    /* Gluster */
    NET_ROW("gluster", "gluster://example.org/vol/dir/img.qcow2",
            QV_PROTO_GLUSTER, "vol/dir/img.qcow2", "tcp:example.org:0"),
    NET_ROW("gluster-tcp-port", "gluster+tcp://h:24008/vol/img",
            QV_PROTO_GLUSTER, "vol/img", "tcp:h:24008"),
    NET_ROW("gluster-unix", "gluster+unix:///vol/img?socket=/var/run/glusterd.socket",
            QV_PROTO_GLUSTER, "vol/img", "unix:/var/run/glusterd.socket"),
    NET_ROW("gluster-rdma", "gluster+rdma://h/vol/img", QV_PROTO_GLUSTER,
            "vol/img", "rdma:h:0"),
    NET_ROW("gluster-localhost", "gluster:///vol/img", QV_PROTO_GLUSTER,
            "vol/img", "tcp:localhost:0"),
    ERR_ROW("gluster-no-image", "gluster://h/vol", TOP, "'/VOLUME/PATH'"),
    ERR_ROW("gluster-unix-no-socket", "gluster+unix:///vol/img", TOP,
            "'?socket=PATH'"),

    /* curl: http(s), ftp(s) */
    NET_ROW("http", "http://example.org/images/base.qcow2", QV_PROTO_HTTP,
            "/images/base.qcow2", "tcp:example.org:0"),
    { .label = "https-query", .name = "https://example.org:8443/base.qcow2?token=a%20b&x=1",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_HTTPS, .path = "/base.qcow2",
      .hosts = "tcp:example.org:8443", .query = "token=a%20b&x=1" },
    { .label = "https-user", .name = "https://user:pw@example.org/a%20b.img",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_HTTPS, .path = "/a b.img",
      .hosts = "tcp:example.org:0", .user = "user" },
    NET_ROW("ftp", "ftp://ftp.example.org/pub/base.img", QV_PROTO_FTP,
            "/pub/base.img", "tcp:ftp.example.org:0"),
    NET_ROW("ftps-ipv6", "ftps://[2001:db8::2]:990/base.img", QV_PROTO_FTPS,
            "/base.img", "tcp:[2001:db8::2]:990"),
    ERR_ROW("http-no-host", "http:///x", TOP, "missing host"),
    ERR_ROW("http-not-uri", "http:example.org/x", TOP, "not a URI"),

    /* SSH */
    { .label = "ssh", .name = "ssh://root@example.org:2222/var/lib/base.qcow2",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_SSH,
      .path = "/var/lib/base.qcow2", .hosts = "tcp:example.org:2222", .user = "root" },
    { .label = "ssh-host-key-check", .name = "ssh://example.org/x?host_key_check=no",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_SSH, .path = "/x",
      .hosts = "tcp:example.org:0", .query = "host_key_check=no" },
    ERR_ROW("ssh-no-path", "ssh://example.org", TOP, "missing remote path"),
    ERR_ROW("ssh-bad-query", "ssh://example.org/x?foo=1", TOP,
            "only 'host_key_check'"),

    /* NFS */
    NET_ROW("nfs", "nfs://example.org/export/base.qcow2", QV_PROTO_NFS,
            "/export/base.qcow2", "tcp:example.org:0"),
    { .label = "nfs-uid", .name = "nfs://example.org/export/base.qcow2?uid=107&gid=107",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_NFS,
      .path = "/export/base.qcow2", .hosts = "tcp:example.org:0",
      .query = "uid=107&gid=107", .user = "107" },
    ERR_ROW("nfs-unknown-param", "nfs://example.org/export/x?foo=1", TOP,
            "unknown NFS parameter 'foo'"),
    ERR_ROW("nfs-bad-uid", "nfs://example.org/export/x?uid=abc", TOP,
            "invalid value 'abc' for NFS parameter 'uid'"),
    ERR_ROW("nfs-no-path", "nfs://example.org", TOP, "missing file path"),

    /* RBD legacy syntax */
    NET_ROW("rbd", "rbd:pool/image", QV_PROTO_RBD, "pool/image", NULL),
    { .label = "rbd-snapshot", .name = "rbd:pool/image@snap",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_RBD, .path = "pool/image",
      .snapshot = "snap" },
    { .label = "rbd-conf-id", .name = "rbd:pool/image@snap:conf=/etc/ceph/ceph.conf:id=admin",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_RBD, .path = "pool/image",
      .snapshot = "snap", .config = "/etc/ceph/ceph.conf", .user = "admin" },
    NET_ROW("rbd-mon-host",
            "rbd:pool/image:mon_host=mon1.example.org\\:6321\\;mon2.example.org\\:6322\\;[\\:\\:1]\\:6789:auth_supported=none",
            QV_PROTO_RBD, "pool/image",
            "tcp:mon1.example.org:6321 tcp:mon2.example.org:6322 tcp:[::1]:6789"),
    NET_ROW("rbd-mon-host-noport", "rbd:pool/image:mon_host=m1,m2",
            QV_PROTO_RBD, "pool/image", "tcp:m1:0 tcp:m2:0"),
    { .label = "rbd-namespace", .name = "rbd:pool/ns/image@s",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_RBD, .path = "pool/ns/image",
      .snapshot = "s" },
    NET_ROW("rbd-escaped", "rbd:pool/im\\:a\\@ge", QV_PROTO_RBD,
            "pool/im:a@ge", NULL),
    ERR_ROW("rbd-no-pool", "rbd:image", TOP, "missing pool name"),
    ERR_ROW("rbd-no-image", "rbd:pool/", TOP, "missing image name"),
    ERR_ROW("rbd-option-no-value", "rbd:pool/img:conf", TOP,
            "option 'conf' has no value"),
    ERR_ROW("rbd-empty-snapshot", "rbd:pool/img@", TOP, "empty snapshot name"),
    ERR_ROW("rbd-mon-bad-port", "rbd:pool/img:mon_host=h\\:99999", TOP,
            "invalid port '99999'"),

    /* json: */
    NET_ROW("json-nested-nbd",
            "json:{\"file\": {\"driver\": \"nbd\", \"server\": {\"type\": \"inet\", \"host\": \"h\", \"port\": \"10809\"}, \"export\": \"e\"}}",
            QV_PROTO_NBD, "e", "tcp:h:10809"),
    { .label = "json-format-file",
      .name = "json:{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"/x\"}}",
      .type = QV_STORAGE_FILE, .path = "/x", .format = QV_FORMAT_QCOW2 },
    NET_ROW("json-dotted-nbd",
            "json:{\"file.driver\":\"nbd\",\"file.server.type\":\"inet\",\"file.server.host\":\"h\",\"file.server.port\":10809,\"file.export\":\"e\"}",
            QV_PROTO_NBD, "e", "tcp:h:10809"),
    { .label = "json-dotted-format",
      .name = "json:{\"driver\":\"raw\",\"file.driver\":\"file\",\"file.filename\":\"/imgs/raw.img\"}",
      .type = QV_STORAGE_FILE, .path = "/imgs/raw.img", .format = QV_FORMAT_RAW },
    { .label = "json-format-over-nbd",
      .name = "json:{\"driver\":\"vmdk\",\"file\":{\"driver\":\"nbd\",\"server.host\":\"h\"}}",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_NBD, .hosts = "tcp:h:0",
      .format = QV_FORMAT_VMDK },
    NET_ROW("json-nbd-unix",
            "json:{\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"/run/s\"}}",
            QV_PROTO_NBD, NULL, "unix:/run/s"),
    NET_ROW("json-nbd-legacy-host",
            "json:{\"driver\":\"nbd\",\"host\":\"h\",\"port\":10809,\"export\":\"e\"}",
            QV_PROTO_NBD, "e", "tcp:h:10809"),
    NET_ROW("json-nbd-legacy-path", "json:{\"driver\":\"nbd\",\"path\":\"/run/s\"}",
            QV_PROTO_NBD, NULL, "unix:/run/s"),
    NET_ROW("json-nbd-data",
            "json:{\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"data\":{\"host\":\"h\",\"port\":\"1\"}}}",
            QV_PROTO_NBD, NULL, "tcp:h:1"),
    { .label = "json-host-device",
      .name = "json:{\"driver\":\"host_device\",\"filename\":\"/dev/sdb\"}",
      .type = QV_STORAGE_BLOCK, .path = "/dev/sdb" },
    { .label = "json-iscsi",
      .name = "json:{\"file\":{\"driver\":\"iscsi\",\"transport\":\"tcp\",\"portal\":\"[2001:db8::1]:3260\",\"target\":\"iqn.x:t\",\"lun\":\"2\",\"user\":\"u\"}}",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_ISCSI, .path = "iqn.x:t/2",
      .hosts = "tcp:[2001:db8::1]:3260", .user = "u" },
    NET_ROW("json-iscsi-iser",
            "json:{\"driver\":\"iscsi\",\"transport\":\"iser\",\"portal\":\"h\",\"target\":\"iqn.y\",\"lun\":5}",
            QV_PROTO_ISCSI, "iqn.y/5", "rdma:h:0"),
    { .label = "json-rbd",
      .name = "json:{\"driver\":\"rbd\",\"pool\":\"p\",\"image\":\"i\",\"snapshot\":\"s\",\"conf\":\"/etc/ceph/c.conf\",\"user\":\"admin\",\"server\":[{\"host\":\"m1\",\"port\":\"6789\"},{\"host\":\"::1\",\"port\":6790}]}",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_RBD, .path = "p/i",
      .hosts = "tcp:m1:6789 tcp:[::1]:6790", .snapshot = "s",
      .config = "/etc/ceph/c.conf", .user = "admin" },
    NET_ROW("json-rbd-dotted-servers",
            "json:{\"file.driver\":\"rbd\",\"file.pool\":\"p\",\"file.image\":\"i\",\"file.server.0.host\":\"m1\",\"file.server.0.port\":\"6789\",\"file.server.1.host\":\"m2\",\"file.server.1.port\":\"6789\"}",
            QV_PROTO_RBD, "p/i", "tcp:m1:6789 tcp:m2:6789"),
    { .label = "json-rbd-filename",
      .name = "json:{\"driver\":\"rbd\",\"filename\":\"rbd:pool/img@s\"}",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_RBD, .path = "pool/img",
      .snapshot = "s" },
    NET_ROW("json-gluster",
            "json:{\"driver\":\"gluster\",\"volume\":\"vol\",\"path\":\"/dir/img\",\"server\":[{\"type\":\"tcp\",\"host\":\"g1\",\"port\":24007},{\"type\":\"unix\",\"socket\":\"/run/g.sock\"}]}",
            QV_PROTO_GLUSTER, "vol/dir/img", "tcp:g1:24007 unix:/run/g.sock"),
    { .label = "json-https",
      .name = "json:{\"driver\":\"https\",\"url\":\"https://example.org/base.img?x=1\"}",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_HTTPS, .path = "/base.img",
      .hosts = "tcp:example.org:0", .query = "x=1" },
    { .label = "json-ssh",
      .name = "json:{\"driver\":\"ssh\",\"server\":{\"host\":\"h\",\"port\":\"22\"},\"path\":\"/x\",\"user\":\"root\"}",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_SSH, .path = "/x",
      .hosts = "tcp:h:22", .user = "root" },
    { .label = "json-nfs",
      .name = "json:{\"driver\":\"nfs\",\"server\":{\"type\":\"inet\",\"host\":\"h\"},\"path\":\"/export/x\",\"user\":107}",
      .type = QV_STORAGE_NETWORK, .protocol = QV_PROTO_NFS, .path = "/export/x",
      .hosts = "tcp:h:0", .user = "107" },
    { .label = "json-file-rel-cwd",
      .name = "json:{\"driver\":\"file\",\"filename\":\"rel.img\"}", .cwd = true,
      .type = QV_STORAGE_FILE, .path = "rel.img", .relpath = "rel.img" },
    FILE_ROW("json-blank-around", "json: {\"driver\":\"file\",\"filename\":\"/x\"} ",
             TOP, "/x", NULL),
    ERR_ROW("json-curl-mismatch",
            "json:{\"driver\":\"http\",\"url\":\"https://example.org/x\"}", TOP,
            "expected a location for protocol 'http'"),
    ERR_ROW("json-truncated", "json:{\"driver\":\"nbd\"", TOP, "truncated"),
    ERR_ROW("json-not-object", "json:[\"a\"]", TOP, "not an object"),
    ERR_ROW("json-string", "json:\"x\"", TOP, "not an object"),
    ERR_ROW("json-empty", "json:", TOP, "truncated"),
    ERR_ROW("json-garbage", "json:{\"driver\":\"file\",\"filename\":\"/x\"} x", TOP,
            "unexpected text after the JSON value"),
    ERR_ROW("json-unknown-driver", "json:{\"driver\":\"foo\"}", TOP,
            "unknown driver 'foo'"),
    ERR_ROW("json-unsupported-driver", "json:{\"driver\":\"quorum\",\"children\":[]}",
            TOP, "driver 'quorum' is not supported"),
    ERR_ROW("json-no-driver", "json:{}", TOP, "neither 'driver' nor a 'file'"),
    ERR_ROW("json-bad-port",
            "json:{\"driver\":\"nbd\",\"server\":{\"host\":\"h\",\"port\":\"99999\"}}",
            TOP, "driver 'nbd': invalid port '99999'"),
    ERR_ROW("json-port-float",
            "json:{\"driver\":\"nbd\",\"server\":{\"host\":\"h\",\"port\":1.5}}", TOP,
            "'port' must be a string or an integer"),
    ERR_ROW("json-host-type",
            "json:{\"driver\":\"nbd\",\"server\":{\"host\":5}}", TOP,
            "'host' must be a string"),
    ERR_ROW("json-nbd-mixed",
            "json:{\"driver\":\"nbd\",\"host\":\"h\",\"server\":{\"host\":\"h\"}}", TOP,
            "cannot be combined"),
    ERR_ROW("json-duplicate-key",
            "json:{\"file\":{\"driver\":\"file\"},\"file.driver\":\"nbd\"}", TOP,
            "key 'file.driver' is given more than once"),
    ERR_ROW("json-empty-key-part", "json:{\"file..driver\":\"nbd\"}", TOP,
            "invalid key 'file..driver'"),
    ERR_ROW("json-empty-key", "json:{\"driver\":\"file\",\"\":1}", TOP,
            "invalid key ''"),
    ERR_ROW("json-file-rel", "json:{\"driver\":\"file\",\"filename\":\"rel.img\"}",
            TOP, "working folder"),
    ERR_ROW("json-format-no-file", "json:{\"driver\":\"qcow2\"}", TOP,
            "format driver 'qcow2' has no 'file' object"),
    ERR_ROW("json-file-not-object", "json:{\"driver\":\"qcow2\",\"file\":\"node0\"}",
            TOP, "'file' must be an object"),
    ERR_ROW("json-nested-format",
            "json:{\"driver\":\"raw\",\"file\":{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"/x\"}}}",
            TOP, "nested under another format"),
    ERR_ROW("json-raw-offset",
            "json:{\"driver\":\"raw\",\"offset\":512,\"file\":{\"driver\":\"file\",\"filename\":\"/x\"}}",
            TOP, "'offset' and 'size' are not supported"),
    ERR_ROW("json-gluster-no-server",
            "json:{\"driver\":\"gluster\",\"volume\":\"v\",\"path\":\"p\"}", TOP,
            "at least 1 server"),
    ERR_ROW("json-nul-in-string",
            "json:{\"driver\":\"file\",\"filename\":\"/x\\u0000y\"}", TOP,
            "contains a NUL character"),
    ERR_ROW("json-iscsi-lun", "json:{\"driver\":\"iscsi\",\"portal\":\"h\",\"target\":\"t\",\"lun\":\"-1\"}",
            TOP, "'lun' must be a non-negative integer"),
    ERR_ROW("json-no-parent-err", "json:{\"driver\":\"foo\"}", NULL,
            "unknown driver 'foo'"),
};

/* The hosts of @src in the compact form the table uses */
static char *
hosts_string(const QvStorageSource *src)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < src->nhosts; i++) {
        const QvStorageHost *h = &src->hosts[i];

        if (i > 0)
            g_string_append_c(s, ' ');
        if (h->transport == QV_TRANSPORT_UNIX) {
            g_string_append_printf(s, "unix:%s", h->socket ? h->socket : "(null)");
            if (h->name || h->port)
                g_string_append(s, ":UNEXPECTED-HOST");
            continue;
        }
        g_string_append_printf(s, "%s:", qv_transport_to_string(h->transport));
        if (h->name && strchr(h->name, ':'))
            g_string_append_printf(s, "[%s]", h->name);
        else
            g_string_append(s, h->name ? h->name : "(null)");
        g_string_append_printf(s, ":%u", h->port);
        if (h->socket)
            g_string_append(s, ":UNEXPECTED-SOCKET");
    }
    if (s->len == 0)
        return g_string_free(s, TRUE);
    return g_string_free(s, FALSE);
}

static char *
expected_path(const BackingCase *c)
{
    g_autofree char *cwd = NULL;

    if (!c->cwd || !c->path)
        return g_strdup(c->path);
    cwd = g_get_current_dir();
    if (g_str_has_suffix(cwd, "/"))
        return g_strconcat(cwd, c->path, NULL);
    return g_strconcat(cwd, "/", c->path, NULL);
}

static void
check_error(const BackingCase *c, const char *parent, const GError *err)
{
    g_autofree char *prefix = NULL;

    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
    if (!strstr(err->message, c->error))
        g_error("'%s': message '%s' lacks '%s'", c->name, err->message, c->error);
    if (parent && strlen(parent) < 100)
        prefix = g_strdup_printf("backing file '%.100s' of '%s': ", c->name, parent);
    else if (!parent)
        prefix = g_strdup_printf("backing file '%.100s': ", c->name);
    if (prefix && strlen(c->name) <= 100 && !g_str_has_prefix(err->message, prefix))
        g_error("message '%s' does not start with '%s'", err->message, prefix);
}

static void
test_parse(gconstpointer data)
{
    const BackingCase *c = data;
    const char *parent = c->cwd ? NULL : (c->parent ? c->parent : TOP);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = qv_backing_parse(c->name, parent, &err);
    g_autofree char *hosts = NULL;
    g_autofree char *path = NULL;

    if (c->error) {
        if (src)
            g_error("'%s' parsed but should fail with '%s'", c->name, c->error);
        check_error(c, parent, err);
        return;
    }
    if (!src)
        g_error("'%s' failed: %s", c->name, err->message);
    g_assert_no_error(err);
    /* A success row that forgot its type would test nothing */
    g_assert_cmpint(c->type, !=, QV_STORAGE_NONE);

    hosts = hosts_string(src);
    path = expected_path(c);
    g_assert_cmpstr(qv_storage_type_to_string(src->type), ==,
                    qv_storage_type_to_string(c->type));
    g_assert_cmpstr(qv_protocol_to_string(src->protocol), ==,
                    qv_protocol_to_string(c->protocol));
    g_assert_cmpstr(src->path, ==, path);
    g_assert_cmpstr(src->relpath, ==, c->relpath);
    g_assert_cmpstr(qv_format_to_string(src->format), ==,
                    qv_format_to_string(c->format));
    g_assert_cmpstr(hosts, ==, c->hosts);
    g_assert_cmpstr(src->query, ==, c->query);
    g_assert_cmpstr(src->snapshot, ==, c->snapshot);
    g_assert_cmpstr(src->config, ==, c->config);
    g_assert_cmpstr(src->user, ==, c->user);
    g_assert_null(src->pool);
    g_assert_cmpuint(src->nbacking, ==, 0);
}

typedef struct {
    const char *name;
    bool relative;
} RelativeCase;

static const RelativeCase relative_cases[] = {
    { "base.qcow2", true },
    { "./base.qcow2", true },
    { "../base.qcow2", true },
    { "a:b.qcow2", true },
    { "./nbd:h:1", true },
    { "/imgs/base.qcow2", false },
    { "file:/imgs/base.qcow2", false },
    { "file:base.qcow2", false },
    { "nbd:h:10809", false },
    { "nbd://h/e", false },
    { "rbd:pool/img", false },
    { "json:{}", false },
    { "JSON:{}", false },
    { "foo://h/x", false },
    { "sheepdog:x", false },
    { "", false },
    { NULL, false },
};

static void
test_is_relative(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(relative_cases); i++) {
        const RelativeCase *c = &relative_cases[i];

        if (qv_backing_is_relative(c->name) != c->relative)
            g_error("qv_backing_is_relative('%s') should be %s",
                    c->name ? c->name : "(null)", c->relative ? "true" : "false");
    }
}

/* Over the length limit: refused, and the message stays short */
static void
test_huge_name(void)
{
    g_autofree char *name = g_strnfill(70000, 'a');
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = qv_backing_parse(name, TOP, &err);

    g_assert_null(src);
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
    g_assert_nonnull(strstr(err->message, "more than the limit"));
    g_assert_nonnull(strstr(err->message, "aaa...' of '" TOP "'"));
    g_assert_cmpuint(strlen(err->message), <, 600);
}

/* Long but within the limit: parsed like any other */
static void
test_long_name(void)
{
    g_autofree char *name = g_strnfill(4000, 'b');
    g_autofree char *expect = g_strconcat("/imgs/", name, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = qv_backing_parse(name, TOP, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(src->path, ==, expect);
}

/* A long json: that fails is cut to ~100 characters in the message */
static void
test_long_json_error(void)
{
    g_autofree char *pad = g_strnfill(2000, 'x');
    g_autofree char *name = g_strdup_printf("json:{\"driver\":\"foo\",\"pad\":\"%s\"}", pad);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = qv_backing_parse(name, TOP, &err);

    g_assert_null(src);
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
    g_assert_nonnull(strstr(err->message, "unknown driver 'foo'"));
    g_assert_nonnull(strstr(err->message, "...' of '"));
    g_assert_cmpuint(strlen(err->message), <, 300);
}

/* Control characters and invalid UTF-8 never reach a message */
static void
test_unprintable_name(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src =
        qv_backing_parse("foo://h\n\033[31m\xff/x", TOP, &err);

    g_assert_null(src);
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
    g_assert_null(strchr(err->message, '\n'));
    g_assert_null(strchr(err->message, '\033'));
    g_assert_true(g_utf8_validate(err->message, -1, NULL));
}

static void
test_null_name(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = qv_backing_parse(NULL, TOP, &err);

    g_assert_null(src);
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/backing/parse/%03zu-%s",
                                                i, cases[i].label);

        g_test_add_data_func(path, &cases[i], test_parse);
    }
    g_test_add_func("/backing/is-relative", test_is_relative);
    g_test_add_func("/backing/huge-name", test_huge_name);
    g_test_add_func("/backing/long-name", test_long_name);
    g_test_add_func("/backing/long-json-error", test_long_json_error);
    g_test_add_func("/backing/unprintable-name", test_unprintable_name);
    g_test_add_func("/backing/null-name", test_null_name);
    return g_test_run();
}
