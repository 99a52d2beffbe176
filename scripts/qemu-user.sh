#!/bin/sh
# Create the system account QEMU runs as when qvirt is run by root
# (qemu.conf's default user and group, qvirt-qemu:qvirt-qemu), with kvm
# as a supplementary group when /dev/kvm exists.  Safe to run again:
# only what is missing is made.  Run by scripts/deps.sh and by
# `meson install` (skipped there when not root or with DESTDIR set).
set -eu

USER_NAME=${QVIRT_QEMU_USER:-qvirt-qemu}

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "${MESON_INSTALL_PREFIX:-}" ]; then
        echo "qemu-user.sh: not root: create the system user '$USER_NAME' as root (scripts/qemu-user.sh)" >&2
        exit 0
    fi
    exec sudo "$0" "$@"
fi
if [ -n "${DESTDIR:-}" ]; then
    echo "qemu-user.sh: DESTDIR is set: the system user '$USER_NAME' is the package's to create" >&2
    exit 0
fi

if ! getent group "$USER_NAME" >/dev/null; then
    groupadd --system "$USER_NAME"
fi
if ! getent passwd "$USER_NAME" >/dev/null; then
    useradd --system --gid "$USER_NAME" --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "qvirt's QEMU" "$USER_NAME"
fi
if [ -e /dev/kvm ]; then
    getent group kvm >/dev/null || groupadd --system kvm
    id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx kvm || usermod -a -G kvm "$USER_NAME"
fi
