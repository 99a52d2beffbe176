#!/bin/sh
# Install what qvirt needs to build, test and run on Debian 12, as root
# (or with sudo).  Safe to run again: it only installs what is missing.
# One line per step; apt's output goes to a log, shown only on failure.
# libvirt0 is there for its schemas (/usr/share/libvirt/schemas): the
# tests check what qvirt writes against libvirt's own.
set -eu

PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
libglib2.0-dev libxml2-dev libjson-c-dev libxml2-utils
qemu-utils qemu-system-x86 valgrind jq bc python3
libvirt0 sanlock libsanlock-dev openssh-server openssh-client libssl-dev"

# QEMU's unprivileged user (qemu.conf's default, qvirt-qemu) when missing
"$(dirname "$0")/qemu-user.sh"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
LOG=$(mktemp "${TMPDIR:-/tmp}/qvirt-deps-XXXXXX.log")

step() {  # step WHAT CMD...
    what=$1
    shift
    echo "$what" >&2
    if ! "$@" >>"$LOG" 2>&1; then
        cat "$LOG" >&2
        echo "deps.sh: $what failed (the output above is in $LOG)" >&2
        exit 1
    fi
}

step "apt-get update" $SUDO apt-get update -q
step "installing:$missing" $SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $missing
rm -f "$LOG"
