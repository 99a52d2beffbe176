#!/bin/sh
# Regenerate tests/data/virtinst: the domain XML virt-install (Debian's
# virtinst 4.1, libvirt 9.0) writes for its common disk options, which
# tests/test-disk-live.c defines and starts.
#
# virt-install --print-xml needs a libvirt connection, and the disk
# defaults (bus, driver type) depend on the QEMU driver's capabilities,
# so a private libvirtd runs here as bench/hotplug runs one: as root, in
# a mount namespace of its own with libvirt's folders in a scratch
# directory; nothing of the host's libvirt is touched.  The images live
# under a scratch folder that becomes @DIR@ in the files (the test puts
# its own folder there); uuids and MAC addresses are made fixed.
#
# usage: scripts/virtinst-xml.sh [OUTDIR]   (root; needs virtinst, libvirt-daemon-driver-qemu)
set -eu
out=$(cd "$(dirname "$0")/.." && pwd)/tests/data/virtinst
[ $# -gt 0 ] && out=$1
work=$(mktemp -d /tmp/qv-virtinst.XXXXXX)
trap 'rm -rf "$work"' EXIT
img=$work/img
mkdir -p "$img"
for f in a.qcow2 b.qcow2 c.qcow2 d.qcow2; do qemu-img create -q -f qcow2 "$img/$f" 64M; done
qemu-img create -q -f raw "$img/r.raw" 64M
qemu-img create -q -f raw "$img/cd.iso" 1M

# NAME|virt-install disk arguments (one per line, split on ';')
cat > "$work/cases" <<CASES
virtio-qcow2|--disk;path=$img/a.qcow2,format=qcow2,bus=virtio
sata-cache|--disk;path=$img/a.qcow2,bus=sata,cache=none,io=native,discard=unmap,detect_zeroes=unmap
scsi-serial|--controller;type=scsi,model=virtio-scsi;--disk;path=$img/a.qcow2,bus=scsi,serial=QV-SERIAL-1
cdrom-sata|--disk;path=$img/a.qcow2,bus=virtio;--disk;path=$img/cd.iso,device=cdrom,bus=sata
iothread|--iothreads;2;--disk;path=$img/a.qcow2,bus=virtio,driver.iothread=2,driver.queues=2
error-policy|--disk;path=$img/a.qcow2,bus=virtio,driver.error_policy=stop
usb-removable|--disk;path=$img/r.raw,format=raw,bus=usb,removable=on
blockio|--disk;path=$img/a.qcow2,bus=virtio,logical_block_size=512,physical_block_size=4096
iotune|--disk;path=$img/a.qcow2,bus=virtio,iotune.total_bytes_sec=10485760,iotune.total_iops_sec=500
multi|--disk;path=$img/a.qcow2,bus=virtio;--disk;path=$img/b.qcow2,bus=virtio,cache=writeback;--disk;path=$img/r.raw,format=raw,bus=scsi;--disk;path=$img/d.qcow2,bus=sata,boot.order=2
readonly-sata|--disk;path=$img/r.raw,format=raw,bus=sata,readonly=on
CASES

lv=$work/lv
for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    mkdir -p "$lv$d" "$d"
done
printf 'user = "root"\ngroup = "root"\n' > "$lv/etc/libvirt/qemu.conf"
# libvirt's built-in default user must exist even when qemu.conf names
# another (bench/hotplug does the same)
cp /etc/passwd "$lv/passwd"
cp /etc/group "$lv/group"
getent passwd libvirt-qemu >/dev/null ||
    echo 'libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin' >> "$lv/passwd"
getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >> "$lv/group"
mkdir -p "$work/xml"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m --propagation private sh -c '
    lv=$1 work=$2
    mount --bind "$lv/passwd" /etc/passwd
    mount --bind "$lv/group" /etc/group
    for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
        mount --bind "$lv$d" "$d"
    done
    libvirtd > "$work/libvirtd.log" 2>&1 &
    lvpid=$!
    for _ in $(seq 300); do [ -S /run/libvirt/libvirt-sock ] && break; sleep 0.1; done
    n=0
    while IFS="|" read -r name args; do
        IFS=";"
        # shellcheck disable=SC2086 # split on ";" on purpose
        set -- $args
        unset IFS
        VIRTINSTALL_OSINFO_DISABLE_REQUIRE=1 virt-install --connect qemu:///system \
            --name "vi-$name" --memory 256 --vcpus 1 --import --osinfo detect=on,require=off \
            --graphics none --network none --noautoconsole --print-xml "$@" > "$work/xml/$name.xml"
        n=$((n + 1))
    done < "$work/cases"
    kill "$lvpid"
    wait "$lvpid" || true
' sh "$lv" "$work"

mkdir -p "$out"
for f in "$work"/xml/*.xml; do
    name=$(basename "$f" .xml)
    sed -e "s#$img#@DIR@#g" \
        -e "s#<uuid>.*</uuid>#<uuid>$(python3 -c "import uuid,sys; print(uuid.uuid5(uuid.NAMESPACE_DNS, 'virtinst-' + sys.argv[1]))" "$name")</uuid>#" \
        "$f" > "$out/$name.xml"
done
echo "wrote $(ls "$work"/xml | wc -l) definitions to $out"
