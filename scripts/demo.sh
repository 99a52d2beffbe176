#!/bin/bash
# Install what is missing, build, and show what qvirt does: a backing
# chain made with qemu-img, read natively by `qvirt chain` in every view,
# the errors that protect the host, a domain definition, the guest
# running, its block jobs, disks plugged in and out and media changed
# while it runs, the disk leases that keep two guests off one disk, and a
# live migration to another root.  The setup steps print one line each.
set -euo pipefail
cd "$(dirname "$0")/.."

# one line per step: the tools' output goes to a log, shown only on failure
LOG=$(mktemp /tmp/qvirt-demo-build-XXXXXX.log)
step() {  # step WHAT CMD...
    local what=$1
    shift
    echo "$what"
    if ! "$@" >>"$LOG" 2>&1; then
        cat "$LOG"
        echo "demo.sh: $what failed (the output above is in $LOG)" >&2
        exit 1
    fi
}
fresh_setup() { rm -rf build && meson setup build; }

scripts/deps.sh
[ -f build/build.ninja ] || step "configuring (meson setup build)" fresh_setup
step "building (meson compile -C build)" meson compile -C build
rm -f "$LOG"

QVIRT=$PWD/build/qvirt
DEMO=$(mktemp -d /tmp/qvirt-demo-XXXXXX)
# QEMU runs as its own user (qemu.conf user): it must get to the images
chmod 755 "$DEMO"
trap 'rm -rf "$DEMO"' EXIT
cd "$DEMO"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@" || true; }

say "qemu-img: base.raw <- mid.qcow2 <- top.qcow2 (relative backing names)"
qemu-img create -q -f raw base.raw 64M
qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2
qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2

run "$QVIRT" chain --format qcow2 top.qcow2
run "$QVIRT" chain --format qcow2 --flat top.qcow2
run "$QVIRT" chain --format qcow2 --xml top.qcow2
run "$QVIRT" chain --format qcow2 --xml --flat top.qcow2
say "$QVIRT chain --format qcow2 --json top.qcow2 | jq -c '.elements[] | {index, parent, path, format, \"backing-name\"}'"
"$QVIRT" chain --format qcow2 --json top.qcow2 | jq -c '.elements[] | {index, parent, path, format, "backing-name"}'

say "a backing file on the network ends the walk: it is reported, not probed"
qemu-img create -q -f qcow2 -u -b nbd://nbd.example.org:10809/golden -F raw net.qcow2 64M
run "$QVIRT" chain --format qcow2 --xml net.qcow2

say "a 'raw' guest disk whose guest wrote a qcow2 header naming /etc/shadow"
qemu-img create -q -f qcow2 -u -b /etc/shadow -F raw guest.img 64M
run "$QVIRT" chain guest.img
run "$QVIRT" chain --format raw guest.img

say "a missing backing file is named, with the image that needs it"
qemu-img create -q -f qcow2 -u -b snap1.qcow2 -F qcow2 snap2.qcow2 64M
run "$QVIRT" chain --format qcow2 snap2.qcow2

say "a domain from libvirt domain XML: a disk on that chain, a quorum of 3 replicas (one with a chain of its own), an empty cdrom"
for r in r1 r2 r3; do qemu-img create -q -f raw $r.raw 64M; done
qemu-img create -q -f qcow2 -b r3.raw -F raw r3-top.qcow2
cat > vm1.xml <<XML
<domain type='qemu'>
  <name>vm1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DEMO/top.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='quorum' device='disk'>
      <driver name='qemu' type='quorum'/>
      <threshold value='2'/>
      <backingStore type='file'><format type='raw'/><source file='$DEMO/r1.raw'/></backingStore>
      <backingStore type='file'><format type='raw'/><source file='$DEMO/r2.raw'/></backingStore>
      <backingStore type='file'>
        <format type='qcow2'/><source file='$DEMO/r3-top.qcow2'/>
        <backingStore type='file'><format type='raw'/><source file='$DEMO/r3.raw'/><backingStore/></backingStore>
      </backingStore>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source startupPolicy='optional'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='network'><source network='default'/></interface>
  </devices>
</domain>
XML
ROOT=(--root "$DEMO/root")
run "$QVIRT" "${ROOT[@]}" define vm1.xml --validate-chains
run "$QVIRT" "${ROOT[@]}" list --all
run "$QVIRT" "${ROOT[@]}" domblklist vm1 --details
run "$QVIRT" "${ROOT[@]}" dumpxml vm1
say "$QVIRT ${ROOT[*]} dumpxml vm1 --flat-chains | sed -n '/<backingChain/,/<\/backingChain>/p' | head -20"
"$QVIRT" "${ROOT[@]}" dumpxml vm1 --flat-chains | sed -n '/<backingChain/,/<\/backingChain>/p' | head -20 || true

say "a given chain that does not match the images is refused by --validate-chains"
sed "s|$DEMO/r3.raw'/><backingStore/>|$DEMO/r2.raw'/><backingStore/>|" vm1.xml > vm1-wrong.xml
run "$QVIRT" "${ROOT[@]}" define vm1-wrong.xml --validate-chains
say "and errors point at the element"
sed "s|<threshold value='2'/>|<threshold value='4'/>|" vm1.xml > vm1-bad.xml
run "$QVIRT" "${ROOT[@]}" validate vm1-bad.xml

say "running it: a supervisor per guest starts QEMU (TCG here) with one named node per chain element"
run "$QVIRT" "${ROOT[@]}" start vm1
run "$QVIRT" "${ROOT[@]}" list
run "$QVIRT" "${ROOT[@]}" domblkinfo vm1 vda
say "QEMU runs as its own user, under seccomp; the top image is its, the layers below only readable (owners restored at the end)"
QPID=$(jq -r .qemu_pid "$DEMO/root/var/lib/vm1.runtime.json" 2>/dev/null || echo 0)
run ps -o user=,group=,comm= -p "$QPID"
run grep Seccomp: "/proc/$QPID/status"
run stat -c '%U:%G %a %n' top.qcow2 mid.qcow2 base.raw
say "its disk limits, changed live (blkdeviotune, QEMU's block_set_io_throttle)"
run "$QVIRT" "${ROOT[@]}" blkdeviotune vm1 vda --total-bytes-sec 10485760 --total-iops-sec 500
say "$QVIRT ${ROOT[*]} blkdeviotune vm1 vda | grep -v ': 0$'"
"$QVIRT" "${ROOT[@]}" blkdeviotune vm1 vda | grep -v ': 0$' || true
run "$QVIRT" "${ROOT[@]}" suspend vm1
run "$QVIRT" "${ROOT[@]}" domstate vm1 --reason
say "kill -9 of the supervisor: QEMU keeps running, the next command reattaches"
kill -9 "$(jq -r .supervisor_pid "$DEMO/root/var/lib/vm1.runtime.json" 2>/dev/null || echo 0)" 2>/dev/null || true
run "$QVIRT" "${ROOT[@]}" resume vm1
run "$QVIRT" "${ROOT[@]}" event vm1

say "block jobs: a shallow live copy of vda, pivot, then commit and pull"
run "$QVIRT" "${ROOT[@]}" blockcopy vm1 vda "$DEMO/top-copy.qcow2" --shallow --wait --verbose --pivot
run "$QVIRT" "${ROOT[@]}" domblklist vm1
say "$QVIRT ${ROOT[*]} dumpxml vm1 | sed -n '/<disk type=.file. device=.disk.>/,/<\/disk>/p'"
"$QVIRT" "${ROOT[@]}" dumpxml vm1 | sed -n "/<disk type='file' device='disk'>/,/<\/disk>/p"
say "a copy throttled to 64 KiB/s cannot pivot before it is ready; abort leaves the disk as it was"
run "$QVIRT" "${ROOT[@]}" blockcopy vm1 vda "$DEMO/slow.qcow2" --bandwidth 65536 --bytes
run "$QVIRT" "${ROOT[@]}" blockjob vm1 vda --info
run "$QVIRT" "${ROOT[@]}" blockjob vm1 vda --pivot
run "$QVIRT" "${ROOT[@]}" blockjob vm1 vda --abort
say "active commit of the copy into mid.qcow2 (vda[N] names any element), then pivot"
run "$QVIRT" "${ROOT[@]}" blockcommit vm1 vda --active --shallow --wait --pivot
run "$QVIRT" "${ROOT[@]}" domblklist vm1
run "$QVIRT" "${ROOT[@]}" blockpull vm1 vda --wait
run "$QVIRT" "${ROOT[@]}" dumpxml vm1 --inactive

say "hotplug: a disk with its chain plugged into the running guest (scsi: its controller comes first), then pulled out"
qemu-img create -q -f qcow2 hp-base.qcow2 64M
qemu-img create -q -f qcow2 -b hp-base.qcow2 -F qcow2 hp-top.qcow2
run "$QVIRT" "${ROOT[@]}" attach-disk vm1 "$DEMO/hp-top.qcow2" sdb --targetbus scsi --subdriver qcow2 --live
run "$QVIRT" "${ROOT[@]}" domblklist vm1 --details
say "$QVIRT ${ROOT[*]} qemu-monitor-command vm1 '{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}' | jq -c '[.return[] | .\"node-name\"]'"
"$QVIRT" "${ROOT[@]}" qemu-monitor-command vm1 '{"execute":"query-named-block-nodes","arguments":{"flat":true}}' | jq -c '[.return[] | ."node-name"]' || true
run "$QVIRT" "${ROOT[@]}" detach-disk vm1 sdb --live
say "a sata disk cannot be hotplugged (libvirt's reason); a missing backing file is named before QEMU sees it"
run "$QVIRT" "${ROOT[@]}" attach-disk vm1 "$DEMO/hp-top.qcow2" sdc --targetbus sata --subdriver qcow2 --live
mv hp-base.qcow2 hp-base.moved
run "$QVIRT" "${ROOT[@]}" attach-disk vm1 "$DEMO/hp-top.qcow2" sdb --targetbus scsi --subdriver qcow2 --live
say "media change: the empty sata cdrom gets a medium, and is ejected again"
printf 'CD001' > cd.iso
run "$QVIRT" "${ROOT[@]}" change-media vm1 sda "$DEMO/cd.iso" --insert --live
run "$QVIRT" "${ROOT[@]}" domblklist vm1 --details
run "$QVIRT" "${ROOT[@]}" change-media vm1 sda --eject --live
say "the quorum live: its children and their health, a fourth child filled from the vote before it joins, then removed"
qemu-img create -q -f raw r4.raw 64M
run "$QVIRT" "${ROOT[@]}" blockquorum vm1 vdb
run "$QVIRT" "${ROOT[@]}" blockquorum vm1 vdb --add "$DEMO/r4.raw" --format raw --wait
run "$QVIRT" "${ROOT[@]}" blockquorum vm1 vdb --remove 3
run "$QVIRT" "${ROOT[@]}" domblkerror vm1
run "$QVIRT" "${ROOT[@]}" destroy vm1
run "$QVIRT" "${ROOT[@]}" domstate vm1 --reason

say "an encrypted disk: a LUKS image, its passphrase in qvirt's secret store, handed to QEMU AES-encrypted under a per-guest key"
cat > secret.xml <<XML
<secret ephemeral='no' private='yes'><uuid>6a2d4c3e-1f0b-4e8a-9c7d-5b4a3e2d1c0f</uuid>
<usage type='volume'><volume>$DEMO/luks.img</volume></usage></secret>
XML
"$QVIRT" "${ROOT[@]}" secret-define secret.xml >/dev/null
printf 'demo-passphrase' > pass.txt
run "$QVIRT" "${ROOT[@]}" secret-set-value 6a2d4c3e-1f0b-4e8a-9c7d-5b4a3e2d1c0f --file pass.txt --plain
qemu-img create -q --object secret,id=s0,file=pass.txt -f luks -o key-secret=s0 luks.img 64M
rm -f pass.txt
cat > enc.xml <<XML
<domain type='qemu'><name>enc</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>
<source file='$DEMO/luks.img'><encryption format='luks'>
<secret type='passphrase' uuid='6a2d4c3e-1f0b-4e8a-9c7d-5b4a3e2d1c0f'/></encryption></source>
<target dev='vda' bus='virtio'/></disk></devices></domain>
XML
"$QVIRT" "${ROOT[@]}" define enc.xml >/dev/null
run "$QVIRT" "${ROOT[@]}" secret-list
run "$QVIRT" "${ROOT[@]}" chain luks.img
run "$QVIRT" "${ROOT[@]}" start enc
run "$QVIRT" "${ROOT[@]}" destroy enc

say "disk leases (lockd, the default): two guests on one disk; the second is refused before its QEMU opens it"
qemu-img create -q -f qcow2 shared.qcow2 64M
for g in web db; do
    cat > $g.xml <<XML
<domain type='qemu'><name>$g</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$DEMO/shared.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>
XML
    "$QVIRT" "${ROOT[@]}" define $g.xml >/dev/null
done
run "$QVIRT" "${ROOT[@]}" start web
run "$QVIRT" "${ROOT[@]}" start db
run "$QVIRT" "${ROOT[@]}" lock-status
say "paused, a guest holds no lease (as libvirt); resume takes them back first"
run "$QVIRT" "${ROOT[@]}" suspend web
run "$QVIRT" "${ROOT[@]}" lock-status web
run "$QVIRT" "${ROOT[@]}" resume web
run "$QVIRT" "${ROOT[@]}" destroy web
run "$QVIRT" "${ROOT[@]}" start db
run "$QVIRT" "${ROOT[@]}" destroy db

say "live migration to another root (a second host): the disk copied over NBD while the guest runs, the lease handed over at the switch"
mkdir -p "$DEMO/hostB"
qemu-img create -q -f qcow2 -b top.qcow2 -F qcow2 mig.qcow2
cat > mig.xml <<XML
<domain type='qemu'><name>mig</name><uuid>8f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8</uuid>
<memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$DEMO/mig.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>
XML
sed "s|$DEMO/mig.qcow2|$DEMO/hostB/mig.qcow2|" mig.xml > mig-b.xml
"$QVIRT" "${ROOT[@]}" define mig.xml >/dev/null
run "$QVIRT" "${ROOT[@]}" start mig
run "$QVIRT" "${ROOT[@]}" migrate mig "qvirt://$DEMO/hostB" --live --copy-storage-all --xml mig-b.xml --json
run "$QVIRT" "${ROOT[@]}" domstate mig --reason
run "$QVIRT" --root "$DEMO/hostB" domstate mig --reason
run "$QVIRT" --root "$DEMO/hostB" domblklist mig
run "$QVIRT" --root "$DEMO/hostB" lock-status mig
say "back again onto the same path: refused before anything starts (it is the running guest's own file)"
run "$QVIRT" --root "$DEMO/hostB" migrate mig "qvirt://$DEMO/root" --live --copy-storage-all
run "$QVIRT" --root "$DEMO/hostB" destroy mig

say "a chain of 1,000 layers"
qemu-img create -q -f qcow2 -o cluster_size=512 l0.qcow2 64M
for i in $(seq 1 999); do
    qemu-img create -q -f qcow2 -o cluster_size=512 -u -b l$((i-1)).qcow2 -F qcow2 l$i.qcow2 64M
done
say "time $QVIRT chain --format qcow2 --json l999.qcow2 | jq '.elements | length'"
time ("$QVIRT" chain --format qcow2 --json l999.qcow2 | jq '.elements | length')
