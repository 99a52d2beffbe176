#!/usr/bin/env python3
"""The floor of bench/migrate: a live migration with storage copy driven
by hand over QMP on two bare QEMUs, the sequence of
../shared/research/live-disks.md section 3.2 (what qvirt and libvirt
send), with nothing else around it.  Prints "TOTAL_MS DOWNTIME_MS".

    migrate-floor.py WORKDIR SRC_IMAGE DST_IMAGE SIZE_MIB
"""
import atexit
import json
import os
import socket
import subprocess
import sys
import time


class Qmp:
    def __init__(self, path):
        for _ in range(2000):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.005)
        else:
            raise SystemExit("no QMP at " + path)
        self.f = self.s.makefile("rw")
        self.events = []
        json.loads(self.f.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, execute, **args):
        name = execute
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            m = json.loads(self.f.readline())
            if "event" in m:
                self.events.append(m)
                continue
            if "error" in m:
                raise SystemExit("%s: %s" % (name, m["error"]["desc"]))
            return m.get("return")

    def wait(self, pred):
        while True:
            for i, e in enumerate(self.events):
                if pred(e):
                    del self.events[i]
                    return e
            m = json.loads(self.f.readline())
            if "event" in m:
                self.events.append(m)


def qemu(work, name, image, incoming):
    sock = os.path.join(work, name + ".qmp")
    args = ["qemu-system-x86_64", "-S", "-machine", "q35,accel=tcg", "-m", "128",
            "-nodefaults", "-display", "none", "-no-user-config",
            "-qmp", "unix:%s,server=on,wait=off" % sock,
            "-blockdev", json.dumps({"driver": "file", "filename": image, "node-name": "s",
                                     "cache": {"direct": True}}),
            "-blockdev", json.dumps({"driver": "raw", "file": "s", "node-name": "f"}),
            "-device", "pcie-root-port,id=pci.1,bus=pcie.0,chassis=1",
            "-device", "virtio-blk-pci,bus=pci.1,drive=f,id=virtio-disk0"]
    if incoming:
        args += ["-incoming", "defer"]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # whatever happens, no QEMU is left behind
    atexit.register(lambda: p.poll() is None and p.kill())
    return p, Qmp(sock)


def main():
    work, src_img, dst_img, mib = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    nbd = os.path.join(work, "floor-nbd.sock")
    mig = os.path.join(work, "floor-mig.sock")
    src, s = qemu(work, "floor-src", src_img, False)
    s.cmd("cont")
    t0 = time.monotonic()
    # the destination: its image, its QEMU, the export, the RAM stream
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", dst_img, "%dM" % mib], check=True)
    dst, d = qemu(work, "floor-dst", dst_img, True)
    d.cmd("migrate-set-capabilities", capabilities=[
        {"capability": "events", "state": True},
        {"capability": "late-block-activate", "state": True}])
    d.cmd("nbd-server-start", addr={"type": "unix", "data": {"path": nbd}})
    d.cmd("block-export-add", type="nbd", id="e", **{"node-name": "f"}, writable=True,
          name="drive-vda")
    d.cmd("migrate-incoming", uri="unix:" + mig)
    # the source: the mirror, then RAM with a pause before the switch
    s.cmd("migrate-set-capabilities", capabilities=[
        {"capability": "events", "state": True},
        {"capability": "pause-before-switchover", "state": True}])
    s.cmd("blockdev-add", driver="nbd", **{"node-name": "m-s"},
          server={"type": "unix", "path": nbd}, export="drive-vda")
    s.cmd("blockdev-add", driver="raw", **{"node-name": "m-f"}, file="m-s")
    s.cmd("blockdev-mirror", **{"job-id": "m", "auto-dismiss": False}, device="f",
          target="m-f", sync="full")
    s.wait(lambda e: e["event"] == "JOB_STATUS_CHANGE" and e["data"]["status"] == "ready")
    s.cmd("migrate-set-parameters", **{"max-bandwidth": (2**63 // 2**20 - 1) * 2**20})
    s.cmd("migrate", uri="unix:" + mig)
    s.wait(lambda e: e["event"] == "MIGRATION" and e["data"]["status"] == "pre-switchover")
    s.cmd("block-job-cancel", device="m")
    s.wait(lambda e: e["event"] == "JOB_STATUS_CHANGE" and e["data"]["status"] == "concluded")
    s.cmd("job-dismiss", id="m")
    s.cmd("blockdev-del", **{"node-name": "m-f"})
    s.cmd("blockdev-del", **{"node-name": "m-s"})
    s.cmd("migrate-continue", state="pre-switchover")
    s.wait(lambda e: e["event"] == "MIGRATION" and e["data"]["status"] == "completed")
    d.wait(lambda e: e["event"] == "MIGRATION" and e["data"]["status"] == "completed")
    d.cmd("nbd-server-stop")
    d.cmd("cont")
    st = s.cmd("query-migrate")
    src.terminate()
    src.wait()
    t1 = time.monotonic()
    dst.terminate()
    dst.wait()
    print(int((t1 - t0) * 1000), st.get("downtime", 0))


main()
