#!/bin/sh
# Install what qvirt needs to build, test and run on Debian 12, as root
# (or with sudo).  Safe to run again: it only installs what is missing.
set -eu

PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
libglib2.0-dev libxml2-dev libjson-c-dev libxml2-utils
qemu-utils qemu-system-x86 valgrind jq bc python3"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
