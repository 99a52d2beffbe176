/*
 * qv-qemu-conf-keys: libvirt's qemu.conf keys, sorted (bsearch).
 */
#include "util/qv-qemu-conf-keys.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

static const char *const libvirt_keys[] = {
    "allow_disk_format_probing", "auto_dump_bypass_cache", "auto_dump_path",
    "auto_start_bypass_cache", "auto_start_delay", "backup_tls_x509_cert_dir",
    "backup_tls_x509_secret_uuid", "backup_tls_x509_verify", "bridge_helper",
    "capability_filters", "cgroup_controllers", "cgroup_device_acl", "chardev_tls",
    "chardev_tls_x509_cert_dir", "chardev_tls_x509_secret_uuid",
    "chardev_tls_x509_verify", "clear_emulator_capabilities", "dbus_daemon",
    "default_tls_x509_cert_dir", "default_tls_x509_secret_uuid",
    "default_tls_x509_verify", "deprecation_behavior", "dump_guest_core",
    "dump_image_format", "dynamic_ownership", "gluster_debug_level", "group",
    "hugetlbfs_mount", "keepalive_count", "keepalive_interval", "lock_manager",
    "log_timestamp", "mac_filter", "max_core", "max_files", "max_processes",
    "max_queued", "max_threads_per_process", "memory_backing_dir", "migrate_tls_force",
    "migrate_tls_x509_cert_dir", "migrate_tls_x509_secret_uuid",
    "migrate_tls_x509_verify", "migration_address", "migration_host",
    "migration_port_max", "migration_port_min", "namespaces", "nbd_tls",
    "nbd_tls_x509_cert_dir", "nbd_tls_x509_secret_uuid", "nographics_allow_host_audio",
    "nvram", "pr_helper", "relaxed_acs_check", "remember_owner",
    "remote_display_port_max", "remote_display_port_min", "remote_websocket_port_max",
    "remote_websocket_port_min", "rx_queue_size", "save_image_format",
    "save_image_formats", "sched_core", "seccomp_sandbox", "security_default_confined",
    "security_driver", "security_require_confined", "set_process_name",
    "shared_filesystems", "slirp_helper", "snapshot_image_format",
    "spice_auto_unix_socket", "spice_listen", "spice_password", "spice_sasl",
    "spice_sasl_dir", "spice_tls", "spice_tls_x509_cert_dir", "stdio_handler",
    "storage_use_nbdkit", "swtpm_group", "swtpm_user", "tx_queue_size", "user",
    "virtiofsd_debug", "vnc_allow_host_audio", "vnc_auto_unix_socket", "vnc_listen",
    "vnc_password", "vnc_sasl", "vnc_sasl_dir", "vnc_tls", "vnc_tls_x509_cert_dir",
    "vnc_tls_x509_secret_uuid", "vnc_tls_x509_verify", "vxhs_tls",
    "vxhs_tls_x509_cert_dir", "vxhs_tls_x509_secret_uuid",
};

static int
cmp_key(const void *key, const void *item)
{
    return strcmp(key, *(const char *const *)item);
}

bool
qv_qemu_conf_key_known(const char *key)
{
    return key && bsearch(key, libvirt_keys, G_N_ELEMENTS(libvirt_keys), sizeof(libvirt_keys[0]),
                          cmp_key) != NULL;
}
