#!/usr/bin/env python3
"""Host side of the VM harness (standard library only).

Subcommands (called by tests/vm/run):
  mkdisk FILE LABEL MIB         write a disk image with fixed contents (if it differs)
  guest-commands                the iommuctl invocations the guest makes (NAME ARGS...)
  decode SERIAL OUTDIR          extract the guest's tar.gz from the second serial port
  check RUNROOT CASE...         run every check, print ok/FAIL/skip lines and "N passed, N failed"
  fixtures RUNROOT DIR CASE...  write DIR/<case>/ (snapshot tree + _ref/)

Adding a check: write a function taking a Case and decorate it with @check(title,
requires=("command", ...)).  Return normally for ok, raise Fail(message, detail_lines)
for a failure, raise Skip(reason) to skip.  A check whose required iommuctl command is
not in `iommuctl --list-commands` is printed as skip (not counted) unless the command is
in CORE_COMMANDS, in which case it fails.  If the check needs the guest to run a new
iommuctl command, add it to GUEST_COMMANDS: its stdout/stderr/exit code come back as
Case.ic_out(name) / ic_err(name) / ic_rc(name), and Case.ic_json(name) parses stdout.
"""
import base64
import difflib
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

# iommuctl invocations made in the guest: NAME -> arguments.  The guest runs an entry
# only when `iommuctl --list-commands` lists its command (the first word of the arguments
# not starting with "-"), and keeps `iommuctl --list-options COMMAND` for the host.  A
# check that requires NAME is skipped when the command is not listed, or when a long
# option of the entry (after the command) is not in that command's --list-options.
# (`snapshot` is run separately: `iommuctl snapshot /tmp/snap`.)
GUEST_COMMANDS = [
    ("groups", "-j groups"),
    ("devices", "-j devices"),
    ("predict", "-j groups --predict"),
    ("topology", "-j topology"),
    ("explain", "-j explain"),
    ("check-vfio", "-j check-vfio --all"),
    ("swiotlb", "-j swiotlb"),
    ("swiotlb-devices", "-j swiotlb devices"),
    ("cmdline", "-j cmdline"),
    # the e1000 of q35-standard (32-bit DMA mask), a buffer at 6 GiB
    ("dma-path-e1000", "-j dma-path 0000:0a:01.0 --addr 0x180000000"),
]
# dma-path's exit statuses: 0 the mapping works, 1 it fails.
DMA_PATH_RCS = (0, 1)
E1000 = "0000:0a:01.0"
CORE_COMMANDS = {"groups", "devices"}
# Invocations guest-init.sh makes on its own when the case sets VFIO_APPLY_STEPS (they
# come back like GUEST_COMMANDS entries: Case.ic_out("steps-before") ...).
STEP_COMMANDS = {
    "steps-before": "-j check-vfio $VFIO_APPLY_STEPS",
    "steps-script": "check-vfio --script $VFIO_APPLY_STEPS",
    "steps-after": "-j check-vfio $VFIO_APPLY_STEPS",
}
# check-vfio's exit statuses: 0 all viable, 1 some not viable, 4 some viable only
# after steps.  None of them is a failure of the command.
CHECK_VFIO_RCS = (0, 1, 4)


def entry_command(name):
    """(command, [long options after it]) of a GUEST_COMMANDS entry; a name that is not an
    entry (e.g. "snapshot") is a command of its own."""
    args = dict(GUEST_COMMANDS).get(name)
    if args is None:
        return name, []
    words = args.split()
    for i, w in enumerate(words):
        if not w.startswith("-"):
            return w, [o.split("=", 1)[0] for o in words[i + 1:] if o.startswith("--")]
    return None, []

BEGIN = b"===IOMMUCTL-VM-BEGIN==="
END = b"===IOMMUCTL-VM-END==="


class Fail(Exception):
    def __init__(self, msg, detail=None):
        super().__init__(msg)
        self.detail = detail or []


class Skip(Exception):
    pass


# --------------------------------------------------------------------- small helpers
def read(path, default=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


def parse_env(path):
    """KEY='value' lines as written by tests/vm/run."""
    env = {}
    for line in (read(path, "") or "").splitlines():
        if "=" not in line or line.startswith("#"):
            continue
        k, v = line.split("=", 1)
        try:
            parts = shlex.split(v)
            env[k] = parts[0] if parts else ""
        except ValueError:
            env[k] = v
    return env


def diff(expected, actual, a="kernel", b="iommuctl", limit=30):
    lines = list(difflib.unified_diff(expected, actual, a, b, lineterm="", n=1))
    if len(lines) > limit:
        lines = lines[:limit] + ["... (%d more diff lines)" % (len(lines) - limit)]
    return lines


def bdf_list(v):
    return sorted(v.split()) if v else []


# --------------------------------------------------------------------- one case's data
class Case:
    def __init__(self, runroot, name):
        self.name = name
        self.dir = os.path.join(runroot, name)
        self.env = parse_env(os.path.join(self.dir, "case.env"))
        self.out = os.path.join(self.dir, "guest", "out")
        self.k = os.path.join(self.out, "kernel")
        self.booted = os.path.isfile(os.path.join(self.k, "dmesg.txt"))
        self._json = {}

    # --- boot info
    def boot_seconds(self):
        return (read(os.path.join(self.dir, "boot-seconds"), "?") or "?").strip()

    def console_tail(self, n=40):
        text = read(os.path.join(self.dir, "console.txt"), "") or ""
        return text.splitlines()[-n:]

    # --- iommuctl outputs
    def ic_path(self, name, ext):
        return os.path.join(self.out, "iommuctl", "%s.%s" % (name, ext))

    def ic_present(self):
        return not os.path.exists(os.path.join(self.out, "iommuctl", "missing"))

    def ic_out(self, name):
        return read(self.ic_path(name, "out"))

    def ic_err(self, name):
        return read(self.ic_path(name, "err"), "") or ""

    def ic_rc(self, name):
        v = read(self.ic_path(name, "rc"))
        return int(v) if v and v.strip().lstrip("-").isdigit() else None

    def commands(self):
        if self.ic_rc("list-commands") != 0:
            return set()
        # one command a line: its name, then (since the command table) a tab and its summary
        return {l.split()[0] for l in (self.ic_out("list-commands") or "").splitlines() if l.strip()}

    def options(self, command):
        """The options `iommuctl --list-options COMMAND` printed, or None if unknown."""
        if self.ic_rc("options-" + command) != 0:
            return None
        # one option a line: its long name, then tab-separated short name, argument and help
        names = set()
        for l in (self.ic_out("options-" + command) or "").splitlines():
            f = l.split("\t")
            names.update(n for n in f[:2] if n.startswith("-"))
        return names

    def absent(self, name):
        """Why the GUEST_COMMANDS entry NAME cannot be run ("" if it can)."""
        cmd, opts = entry_command(name)
        if cmd not in self.commands():
            return "iommuctl has no %s command" % cmd
        known = self.options(cmd)
        if known is None and opts and self.ic_rc(name) == 2:
            # no --list-options to ask: a usage error (exit 2) means the option is unknown
            return "iommuctl %s rejected %s (exit 2, no --list-options)" % (cmd, " ".join(opts))
        missing = [o for o in opts if known is not None and o not in known]
        if missing:
            return "iommuctl %s has no %s option" % (cmd, " ".join(missing))
        return ""

    def has_iommu(self):
        """The kernel formed IOMMU groups in this guest."""
        return bool(self.groups())

    @staticmethod
    def ic_args(name):
        """The arguments of the invocation NAME, for messages."""
        return dict(GUEST_COMMANDS).get(name) or STEP_COMMANDS.get(name) or name

    def ic_json(self, name, ok_rcs=(0,)):
        """Parsed stdout of `iommuctl -j NAME`; raises Fail with the reason otherwise.
        An exit status not in OK_RCS is a failure (check-vfio: CHECK_VFIO_RCS)."""
        if name in self._json:
            return self._json[name]
        args = self.ic_args(name)
        if not self.ic_present():
            raise Fail("iommuctl is missing from the guest (--iommuctl pointed at nothing)")
        rc = self.ic_rc(name)
        if rc is None:
            raise Fail("`iommuctl %s` was not run in the guest" % args)
        err = self.ic_err(name).strip().splitlines()[-5:]
        if rc not in ok_rcs:
            raise Fail("`iommuctl %s` exited %d%s" % (
                args, rc, "" if ok_rcs == (0,) else " (not one of %s)" % ", ".join(map(str, ok_rcs))), err)
        try:
            data = json.loads(self.ic_out(name) or "")
        except ValueError as e:
            raise Fail("`iommuctl %s` printed invalid JSON: %s" % (args, e),
                       (self.ic_out(name) or "").splitlines()[:5] + err)
        if not isinstance(data, dict) or data.get("schema_version") != 2:
            raise Fail("`iommuctl %s`: schema_version is not 2" % args)
        self._json[name] = data
        return data

    # --- the kernel's own answers
    def kfile(self, name):
        return read(os.path.join(self.k, name), "") or ""

    def groups(self):
        """{id: {"type", "name", "members": [...], "resv": [(start, end, type)]}}"""
        groups, cur = {}, None
        for line in self.kfile("iommu_groups.walk").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            key, _, val = line.partition(" ")
            if key == "group":
                cur = groups.setdefault(int(val), {"type": None, "name": None, "members": [], "resv": []})
            elif key == "type":
                cur["type"] = val
            elif key == "name":
                cur["name"] = val
            elif key == "member":
                cur["members"].append(val)
            elif key == "resv":
                s, e, t = val.split()
                cur["resv"].append((int(s, 16), int(e, 16), t))
        return groups

    def pci(self, name="pci-devices.txt"):
        """{bdf: {"driver", "group", "unit"}} from the sysfs links (pci-devices-after.txt:
        after VFIO_APPLY_STEPS)."""
        res = {}
        for line in self.kfile(name).splitlines():
            f = line.split()
            if len(f) != 4:
                continue
            none = lambda v: None if v == "-" else v
            g = none(f[2])
            res[f[0]] = {"driver": none(f[1]), "group": int(g) if g is not None else None,
                         "unit": none(f[3])}
        return res

    def units(self):
        """{name: {"kind", "devices": [...]}} from /sys/class/iommu."""
        res = {}
        for line in self.kfile("class-iommu.txt").splitlines():
            f = line.split()
            if f[:1] == ["unit"]:
                res[f[1]] = {"kind": f[2], "devices": []}
            elif f[:1] == ["dev"]:
                res[f[1]]["devices"].append(f[2])
        return res

    def vfio_status(self, name="vfio-status.txt"):
        """{group_id: {"viable": bool, "container_set": bool, "flags": int}} from a
        vfio-status output (vfio-status-after.txt: after VFIO_APPLY_STEPS)."""
        res = {}
        for line in self.kfile(name).splitlines():
            m = re.match(r"group (\S+) flags=(0x[0-9a-f]+) viable=(\w+) container_set=(\w+)", line)
            if m:
                gid = m.group(1)
                gid = int(gid) if gid.isdigit() else gid
                res[gid] = {"flags": int(m.group(2), 16), "viable": m.group(3) == "yes",
                            "container_set": m.group(4) == "yes"}
        return res

    def swiotlb(self):
        res = {}
        for line in self.kfile("swiotlb.txt").splitlines():
            if line.startswith("#"):
                continue
            f = line.split()
            if len(f) == 2 and f[1].isdigit():
                res[f[0]] = int(f[1])
        return res

    def acs(self):
        """{bdf: {"cap": {flag: bool}, "ctl": {flag: bool}}} parsed from lspci -vvv."""
        res, dev = {}, None
        for line in self.kfile("lspci-vvv-nn-D.txt").splitlines():
            m = re.match(r"^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ", line)
            if m:
                dev = m.group(1)
                continue
            m = re.match(r"^\s+(ACSCap|ACSCtl):\s+(.*)$", line)
            if m and dev:
                flags = dict(re.findall(r"(\w+)([+-])", m.group(2)))
                res.setdefault(dev, {})["cap" if m.group(1) == "ACSCap" else "ctl"] = {
                    k: v == "+" for k, v in flags.items()}
        return res

    def lspci_devices(self):
        """Every device `lspci -vvv -nn -D` lists (a header line starts with the BDF)."""
        return sorted(re.findall(r"^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ",
                                 self.kfile("lspci-vvv-nn-D.txt"), re.M))


# --------------------------------------------------------------------- check registry
CHECKS = []


def check(title, requires=(), when=None):
    """WHEN(case) -> bool: if given and false, the check is not listed for that case at
    all (for checks that only make sense in the cases that set some variable)."""
    def deco(fn):
        CHECKS.append((title, tuple(requires), fn, when))
        return fn
    return deco


def group_of(bdf, groups):
    for gid, g in groups.items():
        if bdf in g["members"]:
            return gid
    return None


@check("groups: ids/types/members match /sys/kernel/iommu_groups", requires=("groups",))
def check_groups(c):
    data = c.ic_json("groups")
    kern = c.groups()
    exp = ["group %d type=%s members=%s" % (gid, g["type"], " ".join(sorted(g["members"])))
           for gid, g in sorted(kern.items())]
    got = []
    for g in sorted(data.get("groups") or [], key=lambda g: (g.get("id") is None, g.get("id") or 0)):
        members = sorted(str(d.get("bdf")) for d in g.get("devices") or [])
        got.append("group %s type=%s members=%s" % (g.get("id"), g.get("type"), " ".join(members)))
    if exp != got:
        raise Fail("%d groups in the kernel, %d from iommuctl" % (len(exp), len(got)), diff(exp, got))


@check("groups: reserved_regions (start, end inclusive, type) match the kernel's", requires=("groups",))
def check_resv(c):
    data = c.ic_json("groups")
    kern = c.groups()
    exp, got = [], []
    for gid, g in sorted(kern.items()):
        for s, e, t in sorted(g["resv"]):
            exp.append("group %d 0x%016x 0x%016x %s" % (gid, s, e, t))
    for g in sorted(data.get("groups") or [], key=lambda g: g.get("id") or 0):
        regs = []
        for r in g.get("reserved_regions") or []:
            try:
                # schema 2: addresses are "0x" and 16 hex digits
                regs.append((int(r["start"], 16), int(r["end"], 16), str(r["type"])))
            except (KeyError, TypeError, ValueError):
                regs.append((-1, -1, "malformed:%r" % (r,)))
        for s, e, t in sorted(regs):
            got.append("group %s 0x%016x 0x%016x %s" % (g.get("id"), s, e, t))
    if exp != got:
        raise Fail("reserved regions differ", diff(exp, got))


@check("groups: members' driver and iommu_unit match their sysfs links", requires=("groups",))
def check_group_members(c):
    data = c.ic_json("groups")
    pci = c.pci()
    exp, got = [], []
    for g in sorted(data.get("groups") or [], key=lambda g: g.get("id") or 0):
        for d in sorted(g.get("devices") or [], key=lambda d: str(d.get("bdf"))):
            bdf = str(d.get("bdf"))
            k = pci.get(bdf, {})
            exp.append("%s driver=%s iommu_unit=%s" % (bdf, k.get("driver"), k.get("unit")))
            got.append("%s driver=%s iommu_unit=%s" % (bdf, d.get("driver"), d.get("iommu_unit")))
    if exp != got:
        raise Fail("member fields differ", diff(exp, got))


KIND_TO_DRIVER = {"intel": "intel", "amd": "amd", "virtio": "virtio"}


@check("groups: IOMMU units and their device lists match /sys/class/iommu", requires=("groups",))
def check_units(c):
    data = c.ic_json("groups")
    units = c.units()
    iommu = data.get("iommu") or {}
    exp = ["present=%s" % bool(units)]
    got = ["present=%s" % iommu.get("present")]
    for name, u in sorted(units.items()):
        exp.append("unit %s driver=%s" % (name, KIND_TO_DRIVER.get(u["kind"], u["kind"])))
        exp += ["unit %s device %s" % (name, d) for d in sorted(u["devices"])]
    for u in sorted(iommu.get("units") or [], key=lambda u: str(u.get("name"))):
        got.append("unit %s driver=%s" % (u.get("name"), u.get("driver")))
        got += ["unit %s device %s" % (u.get("name"), d) for d in sorted(map(str, u.get("devices") or []))]
    if exp != got:
        raise Fail("IOMMU units differ", diff(exp, got))


@check("devices: every PCI device's driver matches its driver link", requires=("devices",))
def check_devices_driver(c):
    data = c.ic_json("devices")
    pci = c.pci()
    exp = ["%s driver=%s" % (b, k["driver"]) for b, k in sorted(pci.items())]
    got = ["%s driver=%s" % (d.get("bdf"), d.get("driver"))
           for d in sorted(data.get("devices") or [], key=lambda d: str(d.get("bdf")))]
    if exp != got:
        raise Fail("drivers differ", diff(exp, got))


@check("devices: every PCI device's iommu_group matches its iommu_group link", requires=("devices",))
def check_devices_group(c):
    data = c.ic_json("devices")
    pci = c.pci()
    exp = ["%s group=%s" % (b, k["group"]) for b, k in sorted(pci.items())]
    got = ["%s group=%s" % (d.get("bdf"), d.get("iommu_group"))
           for d in sorted(data.get("devices") or [], key=lambda d: str(d.get("bdf")))]
    if exp != got:
        raise Fail("iommu_group differs", diff(exp, got))


@check("snapshot: `iommuctl snapshot` wrote a tree holding the IOMMU sysfs", requires=("snapshot",))
def check_snapshot(c):
    rc = c.ic_rc("snapshot")
    if rc != 0:
        raise Fail("`iommuctl snapshot /tmp/snap` exited %s" % rc, c.ic_err("snapshot").splitlines()[-5:])
    snap = os.path.join(c.out, "snapshot")
    if not os.path.isdir(snap) or not os.listdir(snap):
        raise Fail("the snapshot directory is missing or empty")
    missing = []
    for d in (c.kfile("dirs-present.txt") or "").split():
        if not os.path.isdir(snap + d):
            missing.append("missing %s" % d)
    if missing:
        top = sorted(os.listdir(snap))
        raise Fail("the snapshot lacks directories the guest has", missing + [
            "snapshot top level (%d entries): %s" % (len(top), " ".join(top[:12]) + (" ..." if len(top) > 12 else ""))])


# --- check-vfio ---------------------------------------------------------------------
def vfio_devices(data, what):
    """{bdf: device} of a check-vfio -j document; Fail on a malformed one."""
    devs = data.get("devices")
    if not isinstance(devs, list):
        raise Fail("%s: \"devices\" is not a list" % what)
    res = {}
    for d in devs:
        if not isinstance(d, dict) or not isinstance(d.get("bdf"), str):
            raise Fail("%s: a device without a bdf: %s" % (what, json.dumps(d)[:200]))
        if d.get("verdict") not in ("viable", "viable_after_steps", "not_viable"):
            raise Fail("%s: %s has verdict %s" % (what, d["bdf"], json.dumps(d.get("verdict"))))
        res[d["bdf"]] = d
    return res


def vfio_rc(devs):
    """The exit status check-vfio owes for these devices."""
    verdicts = {d["verdict"] for d in devs.values()}
    return 1 if "not_viable" in verdicts else 4 if "viable_after_steps" in verdicts else 0


def vfio_findings(d):
    """'code(severity)' of every finding of a check-vfio device, for messages."""
    return " ".join("%s(%s)" % (f.get("code"), f.get("severity")) for f in d.get("findings") or []
                    if isinstance(f, dict)) or "no findings"


@check("check-vfio: exit status, groups and viability match VFIO_GROUP_GET_STATUS", requires=("check-vfio",))
def check_vfio(c):
    data = c.ic_json("check-vfio", CHECK_VFIO_RCS)
    devs = vfio_devices(data, "check-vfio --all")
    rc = c.ic_rc("check-vfio")
    if rc != vfio_rc(devs):
        raise Fail("exited %d, but the verdicts call for %d (0 all viable, 1 any not_viable, 4 any "
                   "viable_after_steps)" % (rc, vfio_rc(devs)),
                   ["%s %s" % (b, d["verdict"]) for b, d in sorted(devs.items())][:20])
    pci = c.pci()
    # every device's group is its iommu_group link ("--all" leaves out the bridges)
    exp = ["%s group=%s" % (b, pci[b]["group"] if b in pci else "(no such device)") for b in sorted(devs)]
    got = ["%s group=%s" % (b, devs[b].get("group")) for b in sorted(devs)]
    if exp != got:
        raise Fail("check-vfio's groups differ from the iommu_group links", diff(exp, got))
    if not c.has_iommu():
        exp = ["%s verdict=not_viable" % b for b in sorted(devs)]
        got = ["%s verdict=%s" % (b, devs[b]["verdict"]) for b in sorted(devs)]
        if not devs:
            raise Fail("no IOMMU, and check-vfio --all lists no device")
        if exp != got:
            raise Fail("no IOMMU, yet some devices are not not_viable", diff(exp, got, "expected"))
        return
    kern = c.vfio_status()
    if not kern:
        raise Skip("no /dev/vfio group nodes in this guest; exit status and groups were checked")
    exp, got, detail = [], [], []
    # each kernel group: every check-vfio member's group_viable is the kernel's VIABLE flag
    for gid, st in sorted(kern.items(), key=lambda kv: str(kv[0])):
        members = sorted(b for b, d in devs.items() if d.get("group") == gid)
        if not members:
            exp.append("group %s: check-vfio --all lists a member" % gid)
            got.append("group %s: check-vfio --all lists no member" % gid)
        for b in members:
            d = devs[b]
            exp.append("group %s %s group_viable=%s" % (gid, b, json.dumps(st["viable"])))
            got.append("group %s %s group_viable=%s" % (gid, b, json.dumps(d.get("group_viable"))))
            if got[-1] != exp[-1]:
                detail.append("%s (driver %s, kernel flags=0x%x): verdict %s; %s" % (
                    b, d.get("driver"), st["flags"], d["verdict"], vfio_findings(d)))
    # "viable" only in a group the kernel says is viable
    for b, d in sorted(devs.items()):
        if d["verdict"] != "viable":
            continue
        st = kern.get(d.get("group"))
        exp.append("%s verdict=viable: kernel group %s viable" % (b, d.get("group")))
        got.append("%s verdict=viable: kernel group %s %s" % (
            b, d.get("group"), "has no /dev/vfio node" if st is None else "viable" if st["viable"] else
            "NOT viable (flags=0x%x)" % st["flags"]))
        if got[-1] != exp[-1]:
            detail.append("%s (driver %s): %s" % (b, d.get("driver"), vfio_findings(d)))
    # bound to vfio-pci in a viable group: not_viable needs a reason (a finding of severity error)
    for b, d in sorted(devs.items()):
        st = kern.get(d.get("group"))
        if pci.get(b, {}).get("driver") != "vfio-pci" or not st or not st["viable"] or d["verdict"] != "not_viable":
            continue
        errors = [str(f.get("code")) for f in d.get("findings") or []
                  if isinstance(f, dict) and f.get("severity") == "error"]
        exp.append("%s (vfio-pci, kernel group %s viable) not_viable: with an error finding" % (b, d.get("group")))
        got.append("%s (vfio-pci, kernel group %s viable) not_viable: %s" % (
            b, d.get("group"), "with an error finding" if errors else "WITHOUT an error finding"))
        if not errors:
            detail.append("%s: %s" % (b, vfio_findings(d)))
    if exp != got:
        raise Fail("check-vfio disagrees with the kernel", diff(exp, got) + detail[:10])


def steps_bdfs(c):
    return (c.env.get("VFIO_APPLY_STEPS") or "").split()


@check("check-vfio: VFIO_APPLY_STEPS: the steps of `check-vfio --script` make the group viable",
       requires=("check-vfio",), when=steps_bdfs)
def check_vfio_steps(c):
    bdfs = steps_bdfs(c)
    # before: viable_after_steps, exit 4, and the kernel agreed the group was not viable yet
    before = vfio_devices(c.ic_json("steps-before", CHECK_VFIO_RCS), "check-vfio before the steps")
    exp = ["before: exit 4"] + ["before: %s viable_after_steps" % b for b in bdfs]
    got = ["before: exit %s" % c.ic_rc("steps-before")] + [
        "before: %s %s" % (b, before[b]["verdict"] if b in before else "missing") for b in bdfs]
    if exp != got:
        raise Fail("check-vfio before the steps", diff(exp, got, "expected", "iommuctl") + [
            "%s: %s" % (b, vfio_findings(d)) for b, d in sorted(before.items())])
    # the script: made with the same exit status, not empty, and ran with exit 0
    script = c.ic_out("steps-script") or ""
    run_out = (read(os.path.join(c.out, "steps-run.out"), "") or "").splitlines()
    run_rc = (read(os.path.join(c.out, "steps-run.rc"), "") or "").strip()
    if c.ic_rc("steps-script") != c.ic_rc("steps-before"):
        raise Fail("`check-vfio --script` exited %s, `-j check-vfio` %s" % (
            c.ic_rc("steps-script"), c.ic_rc("steps-before")), c.ic_err("steps-script").splitlines()[-5:])
    if not [l for l in script.splitlines() if l.strip() and not l.lstrip().startswith("#")
            and l.strip() != "set -e"]:
        raise Fail("`check-vfio --script` printed no command", script.splitlines()[:10])
    if run_rc != "0":
        raise Fail("sh of the script exited %s" % (run_rc or "(not run)"), run_out[-15:])
    # after: the kernel says viable, and so does iommuctl (exit 0)
    pci, after_pci = c.pci(), c.pci("pci-devices-after.txt")
    kern_after = c.vfio_status("vfio-status-after.txt")
    exp, got = [], []
    for b in bdfs:
        gid = pci.get(b, {}).get("group")
        st = kern_after.get(gid)
        exp.append("after: kernel group %s (%s) viable" % (gid, b))
        got.append("after: kernel group %s (%s) %s" % (gid, b, "has no /dev/vfio node" if st is None else
                                                      "viable" if st["viable"] else "NOT viable"))
    if exp != got:
        members = [m for b in bdfs for m, k in sorted(after_pci.items())
                   if k["group"] is not None and k["group"] == pci.get(b, {}).get("group")]
        raise Fail("the kernel's VFIO_GROUP_GET_STATUS after the steps", diff(exp, got, "expected", "kernel") + [
            "member %s driver %s" % (m, after_pci[m]["driver"]) for m in members] + [
            "script: " + l for l in script.splitlines()] + ["run: " + l for l in run_out[-8:]])
    after = vfio_devices(c.ic_json("steps-after", CHECK_VFIO_RCS), "check-vfio after the steps")
    exp = ["after: exit 0"] + ["after: %s viable group_viable=true" % b for b in bdfs]
    got = ["after: exit %s" % c.ic_rc("steps-after")] + [
        "after: %s %s group_viable=%s" % (b, after[b]["verdict"], json.dumps(after[b].get("group_viable")))
        if b in after else "after: %s missing" % b for b in bdfs]
    if exp != got:
        raise Fail("check-vfio after the steps", diff(exp, got, "expected", "iommuctl") + [
            "%s: %s; steps %s" % (b, vfio_findings(d), " | ".join(
                str(st.get("command")) for st in d.get("steps") or [])) for b, d in sorted(after.items())])


@check("swiotlb: state, pool size and counters match /sys/kernel/debug/swiotlb", requires=("swiotlb",))
def check_swiotlb(c):
    # io_tlb_used moves with traffic between the two reads: it is only bounded.
    data = c.ic_json("swiotlb")
    kern = c.swiotlb()
    mine = data.get("swiotlb") or {}
    nslabs = kern.get("io_tlb_nslabs", 0)
    exp = ["state=%s" % ("active" if nslabs else "no_pool"), "nslabs=%s" % (nslabs or None),
           "hiwater kept=%s" % ("io_tlb_used_hiwater" in kern and bool(nslabs))]
    got = ["state=%s" % mine.get("state"), "nslabs=%s" % mine.get("nslabs"),
           "hiwater kept=%s" % (mine.get("hiwater") is not None)]
    if exp != got:
        raise Fail("swiotlb differs", diff(exp, got, "debugfs"))
    if nslabs and not (0 <= (mine.get("used") or 0) <= nslabs):
        raise Fail("io_tlb_used %s is outside 0..%s" % (mine.get("used"), nslabs))
    forced = "swiotlb=force" in c.kfile("cmdline.txt").split() if c.kfile("cmdline.txt") else None
    if forced is not None and mine.get("forced") != forced:
        raise Fail("forced: kernel command line says %s, iommuctl %s" % (forced, mine.get("forced")))


@check("cmdline: the command line is /proc/cmdline, and the default domain and swiotlb=force it finds "
       "agree with the kernel", requires=("cmdline",))
def check_cmdline(c):
    data = c.ic_json("cmdline")
    kline = (c.kfile("cmdline.txt") or "").strip()
    if data.get("cmdline") != kline:
        raise Fail("cmdline differs", diff([kline], [data.get("cmdline")], "/proc/cmdline"))
    eff = data.get("effective") or {}
    problems = []
    want = eff.get("default_domain_type")
    if want is not None:
        for gid, g in sorted(c.groups().items()):
            if g.get("type") != want:
                problems.append("group %s is %s, cmdline says %s" % (gid, g.get("type"), want))
    forced = "swiotlb=force" in kline.split()
    if bool(eff.get("swiotlb_force")) != forced:
        problems.append("swiotlb_force %s, the command line %s swiotlb=force" %
                        (eff.get("swiotlb_force"), "has" if forced else "lacks"))
    if problems:
        raise Fail("cmdline", problems)


@check("dma-path: a buffer at 6 GiB for the 32-bit e1000 is translated under a DMA domain, bounces "
       "through a pool, and fails without one", requires=("dma-path-e1000",))
def check_dma_path(c):
    pci = c.pci()
    if E1000 not in pci:
        raise Skip("no %s in this topology" % E1000)
    data = c.ic_json("dma-path-e1000", DMA_PATH_RCS)
    gtype = c.groups().get(pci[E1000].get("group"), {}).get("type") if pci[E1000].get("group") is not None \
        else None
    pool = bool(c.swiotlb().get("io_tlb_nslabs", 0))
    forced = "swiotlb=force" in (c.kfile("cmdline.txt") or "").split()
    if data.get("dma_mask_bits") != 32:
        raise Skip("the e1000's DMA mask is %s bits, not 32" % data.get("dma_mask_bits"))
    if gtype in ("DMA", "DMA-FQ"):
        exp = "translated"
    elif forced or pool:
        exp = "bounce"
    else:
        exp = "fail"
    got = data.get("path")
    rng = data.get("bus_address_range") or {}
    if got != exp:
        raise Fail("group type %s, pool %s: expected %s, iommuctl says %s" % (gtype, pool, exp, got),
                   data.get("reasons") or [])
    if exp == "translated" and int(rng.get("end", "0x0"), 16) >= 1 << 32:
        raise Fail("the first IOVA for a 32-bit device lies above 4 GiB: %s" % rng)
    if c.ic_rc("dma-path-e1000") != (1 if exp == "fail" else 0):
        raise Fail("exit status %s for path %s" % (c.ic_rc("dma-path-e1000"), got))


@check("swiotlb devices: the devices that bounce are named (EXPECT_BOUNCING; swiotlb=force: all)",
       requires=("swiotlb-devices",))
def check_swiotlb_devices(c):
    data = c.ic_json("swiotlb-devices")
    devs = {d["bdf"]: d for d in data.get("devices") or []}
    pci = c.pci()
    problems = []
    for b in (c.env.get("EXPECT_BOUNCING") or "").split():
        d = devs.get(b)
        if not d or d.get("bounces") not in ("above_mask", "always"):
            problems.append("%s: expected to bounce, iommuctl says %s (%s)" %
                            (b, d and d.get("bounces"), d and d.get("reason")))
    if "swiotlb=force" in (c.env.get("APPEND") or "").split() and not c.has_iommu():
        for b, d in sorted(devs.items()):
            drv = pci.get(b, {}).get("driver")
            if drv and drv != "pcieport" and d.get("bounces") != "always":
                problems.append("%s (%s): swiotlb=force, iommuctl says %s" % (b, drv, d.get("bounces")))
    if c.has_iommu():
        for b, d in sorted(devs.items()):
            if pci.get(b, {}).get("group") is not None and d.get("path") == "direct" and \
                    c.groups().get(pci[b]["group"], {}).get("type") in ("DMA", "DMA-FQ"):
                problems.append("%s: in a translated group, iommuctl says direct" % b)
    if problems:
        raise Fail("swiotlb devices", problems)
    if not (c.env.get("EXPECT_BOUNCING") or "swiotlb=force" in (c.env.get("APPEND") or "") or c.has_iommu()):
        raise Skip("no IOMMU, nothing forced and no EXPECT_BOUNCING: nothing to compare")


# --- groups --predict, topology (ACS), explain -----------------------------------------
def json_partition(data):
    """A groups -j document's groups as sorted "member member ..." strings (sysfs names)."""
    return sorted(" ".join(sorted(str(d.get("sysfs_name") or d.get("bdf")) for d in g.get("devices") or []))
                  for g in data.get("groups") or [])


def kernel_partition(groups):
    return sorted(" ".join(sorted(g["members"])) for g in groups.values())


def compare_partitions(exp, got, grouped, what, a="kernel", b="iommuctl"):
    """Fail unless the partitions are equal; the message says whether they are equal when
    restricted to the functions the kernel put in groups (GROUPED)."""
    if exp == got:
        return
    extra = sorted({m for p in got for m in p.split()} - grouped)
    restricted = sorted(filter(None, (" ".join(m for m in p.split() if m in grouped) for p in got)))
    why = "%s differ" % what
    if extra:
        why += "; iommuctl predicts %d function(s) the kernel gave no group (%s)%s" % (
            len(extra), " ".join(extra[:6]) + (" ..." if len(extra) > 6 else ""),
            ", and equals the kernel without them" if restricted == exp else "")
    raise Fail(why, diff(exp, got, a, b))


@check("predict: `groups --predict` equals the kernel's groups (as sets of members)", requires=("predict",))
def check_predict(c):
    kern = c.groups()
    if not kern:
        raise Skip("no IOMMU groups in this guest; see the pair check")
    data = c.ic_json("predict")
    if data.get("predicted") is not True:
        raise Fail('"predicted" is %s, not true' % json.dumps(data.get("predicted")))
    grouped = {m for g in kern.values() for m in g["members"]}
    compare_partitions(kernel_partition(kern), json_partition(data), grouped, "predicted groups")


ACS_BITS = [("SrcValid", 0x01), ("TransBlk", 0x02), ("ReqRedir", 0x04), ("CmpltRedir", 0x08),
            ("UpstreamFwd", 0x10), ("EgressCtrl", 0x20), ("DirectTrans", 0x40)]


def topology_nodes(data):
    """Every node of a topology -j document (host bridges' subtrees, then unplaced)."""
    out = []

    def walk(n):
        out.append(n)
        for ch in n.get("children") or []:
            walk(ch)
    for hb in data.get("topology") or []:
        for n in hb.get("children") or []:
            walk(n)
    for n in data.get("unplaced") or []:
        walk(n)
    return out


def acs_line(part, flags):
    """lspci's way: "cap SrcValid+ TransBlk- ..." from {name: bool} (unknown names last)."""
    names = [n for n, _ in ACS_BITS] + sorted(set(flags) - {n for n, _ in ACS_BITS})
    return "%s %s" % (part, " ".join("%s%s" % (n, "+" if flags.get(n) else "-") for n in names))


@check("acs: topology -j ACS cap/ctl registers match lspci -vvv ACSCap/ACSCtl", requires=("topology",))
def check_acs(c):
    data = c.ic_json("topology")
    kern = c.acs()
    mine = {}
    for n in topology_nodes(data):
        mine.setdefault(str(n.get("sysfs_name") or n.get("bdf")), n.get("acs"))
    exp, got = [], []
    for b in c.lspci_devices():
        k = kern.get(b)
        if k is None:
            exp.append("%s present=false" % b)
        else:
            exp.append("%s present=true" % b)
            for part in ("cap", "ctl"):
                exp.append("%s %s" % (b, acs_line(part, k.get(part, {}))))
                exp.append("%s %s_flags=%s" % (b, part, " ".join(n for n, v in k.get(part, {}).items() if v)))
        if b not in mine:
            got.append("%s not in topology -j" % b)
            continue
        a = mine[b] if isinstance(mine[b], dict) else {}
        got.append("%s present=%s" % (b, json.dumps(a.get("present"))))
        if k is None and a.get("present") is False:
            continue
        for part in ("cap", "ctl"):
            raw = a.get(part)
            if isinstance(raw, int):
                got.append("%s %s" % (b, acs_line(part, {n: bool(raw & bit) for n, bit in ACS_BITS})))
            else:
                got.append("%s %s=%s" % (b, part, json.dumps(raw)))
            fl = a.get(part + "_flags")
            order = [n for n, _ in ACS_BITS]
            got.append("%s %s_flags=%s" % (b, part, " ".join(sorted(map(str, fl), key=lambda n: (
                order.index(n) if n in order else 99, n))) if isinstance(fl, list) else json.dumps(fl)))
    for b in sorted(set(mine) - set(c.lspci_devices())):
        got.append("%s not listed by lspci" % b)
    if exp != got:
        raise Fail("ACS differs", diff(exp, got, "lspci"))


@check("explain: every group of several devices has a reason, and model_agrees", requires=("explain",))
def check_explain(c):
    kern = c.groups()
    if not kern:
        raise Skip("no IOMMU groups in this guest")
    data = c.ic_json("explain")
    expl = {}
    for e in data.get("explanations") or []:
        expl.setdefault(e.get("group"), e)
    exp = ["predicted=false"]
    got = ["predicted=%s" % json.dumps(data.get("predicted"))]
    detail = []
    for gid, g in sorted(kern.items()):
        if len(g["members"]) < 2:
            continue
        exp.append("group %d devices=%s reasons=yes model_agrees=true" % (gid, " ".join(sorted(g["members"]))))
        e = expl.get(gid)
        if e is None:
            got.append("group %d: no explanation" % gid)
            continue
        got.append("group %d devices=%s reasons=%s model_agrees=%s" % (
            gid, " ".join(sorted(map(str, e.get("devices") or []))), "yes" if e.get("reasons") else "no",
            json.dumps(e.get("model_agrees"))))
        if got[-1] != exp[-1]:
            detail.append("group %d: %s (%s)" % (gid, e.get("summary"),
                                                  " ".join(str(r.get("code")) for r in e.get("reasons") or [])))
    if exp != got:
        raise Fail("explanations differ", diff(exp, got) + detail[:8])


# --- pairs: the same topology with and without an IOMMU (PAIR= in the no-IOMMU case) ----
def check_pair(c, p):
    """c: a case without an IOMMU; p: the case PAIR names (same topology, IOMMU on)."""
    if c.groups():
        raise Fail("%s has IOMMU groups; PAIR belongs in the case without an IOMMU" % c.name)
    kern = p.groups()
    if not kern:
        raise Fail("%s has no IOMMU groups" % p.name)
    a, b = sorted(c.pci()), sorted(p.pci())
    if a != b:
        raise Fail("the two guests' PCI devices differ: not the same topology", diff(b, a, p.name, c.name))
    data = c.ic_json("predict")
    if data.get("predicted") is not True:
        raise Fail('"predicted" is %s, not true' % json.dumps(data.get("predicted")))
    grouped = {m for g in kern.values() for m in g["members"]}
    compare_partitions(kernel_partition(kern), json_partition(data), grouped,
                       "groups predicted without an IOMMU and %s's real groups" % p.name,
                       "%s (kernel)" % p.name, "%s (iommuctl --predict)" % c.name)


# --- expectations on the kernel's own answers (the case really is what it says) --------
def expectation_checks(c):
    """Yield (title, fn) for every EXPECT_* the case sets."""
    e = c.env
    groups = c.groups()
    pci = c.pci()

    if e.get("EXPECT_GROUP_TYPES"):
        want_types = set(e["EXPECT_GROUP_TYPES"].split())

        def f():
            types = {g["type"] for g in groups.values()}
            if not groups or not types <= want_types:
                raise Fail("group types are %s" % (sorted(types) or "none"))
        yield "kernel: every group's type is %s" % "/".join(sorted(want_types)), f
    if e.get("EXPECT_NO_GROUPS") == "1":
        def f():
            if groups:
                raise Fail("%d groups exist" % len(groups))
            if c.units():
                raise Fail("/sys/class/iommu is not empty")
        yield "kernel: no IOMMU groups and no IOMMU units", f
    if e.get("EXPECT_IOMMU_KIND"):
        def f():
            kinds = sorted({u["kind"] for u in c.units().values()})
            if kinds != [e["EXPECT_IOMMU_KIND"]]:
                raise Fail("IOMMU kinds are %s" % kinds)
        yield "kernel: IOMMU driver is %s" % e["EXPECT_IOMMU_KIND"], f
    if e.get("EXPECT_DEVICES"):
        def f():
            missing = [b for b in e["EXPECT_DEVICES"].split() if b not in pci]
            if missing:
                raise Fail("missing PCI devices: %s" % " ".join(missing))
        yield "kernel: devices %s exist" % e["EXPECT_DEVICES"], f
    for spec in (e.get("EXPECT_SAME_GROUP") or "").split():
        def f(spec=spec):
            ids = {group_of(b, groups) for b in spec.split(",")}
            if len(ids) != 1 or None in ids:
                raise Fail("groups are %s" % sorted(map(str, ids)))
        yield "kernel: %s share one group" % spec, f
    for b in (e.get("EXPECT_OWN_GROUP") or "").split():
        def f(b=b):
            gid = group_of(b, groups)
            if gid is None or groups[gid]["members"] != [b]:
                raise Fail("group %s has %s" % (gid, groups.get(gid, {}).get("members")))
        yield "kernel: %s is alone in its group" % b, f
    if e.get("EXPECT_SWIOTLB_USED") == "1":
        def f():
            s = c.swiotlb()
            if not s.get("io_tlb_nslabs") or not s.get("io_tlb_used"):
                raise Fail("swiotlb: %s" % (s or c.kfile("swiotlb.txt").strip()))
        yield "kernel: swiotlb pool exists and io_tlb_used > 0", f
    for key, want in (("EXPECT_VFIO_VIABLE", True), ("EXPECT_VFIO_NOT_VIABLE", False)):
        for b in (e.get(key) or "").split():
            def f(b=b, want=want):
                gid = group_of(b, groups)
                st = c.vfio_status().get(gid)
                drv = pci.get(b, {}).get("driver")
                if drv != "vfio-pci":
                    raise Fail("%s is bound to %s, not vfio-pci" % (b, drv))
                if st is None or st["viable"] != want:
                    raise Fail("group %s status %s" % (gid, st))
            yield "kernel: %s (vfio-pci) group is %sviable" % (b, "" if want else "NOT "), f


def run_checks(runroot, names):
    passed = failed = skipped = 0

    def emit(kind, name, title, detail=()):
        print("%-4s %s: %s" % (kind, name, title))
        for line in detail:
            print("       " + line)
        sys.stdout.flush()

    for name in names:
        c = Case(runroot, name)
        if not c.booted:
            failed += 1
            why = (read(os.path.join(c.dir, "decode.log"), "") or "").strip().splitlines()[-1:]
            emit("FAIL", name, "guest booted and reported (%ss; %s); last 40 console lines:"
                 % (c.boot_seconds(), why[0] if why else "no result"), c.console_tail(40))
            continue
        passed += 1
        emit("ok", name, "guest booted and reported (%ss, kernel %s)"
             % (c.boot_seconds(), c.kfile("kernel-version.txt").strip()))
        cmds = c.commands()
        # iommuctl itself
        if not c.ic_present():
            failed += 1
            emit("FAIL", name, "iommuctl present in the guest (--iommuctl missing or not executable)")
        elif c.ic_rc("list-commands") != 0 or not CORE_COMMANDS <= cmds:
            failed += 1
            emit("FAIL", name, "`iommuctl --list-commands` works and lists %s" % ", ".join(sorted(CORE_COMMANDS)),
                 ["exit %s, listed: %s" % (c.ic_rc("list-commands"), " ".join(sorted(cmds)) or "nothing")]
                 + c.ic_err("list-commands").splitlines()[-5:])
        else:
            passed += 1
            emit("ok", name, "`iommuctl --list-commands` lists %s" % " ".join(sorted(cmds)))
        tests = []
        for title, requires, fn, when in CHECKS:
            if when is None or when(c):
                tests.append((title, requires, lambda fn=fn: fn(c)))
        for title, fn in expectation_checks(c):
            tests.append((title, (), fn))
        for title, requires, fn in tests:
            why = [w for w in map(c.absent, requires) if w]
            core = [r for r in requires if r in CORE_COMMANDS and r not in cmds]
            if why and not core:
                skipped += 1
                emit("skip", name, "%s (%s)" % (title, "; ".join(why)))
                continue
            try:
                if core and not c.ic_present():
                    raise Fail("iommuctl is missing from the guest")
                if core:
                    raise Fail("iommuctl does not list the %s command" % ", ".join(core))
                fn()
            except Skip as s:
                skipped += 1
                emit("skip", name, "%s (%s)" % (title, s))
            except Fail as f:
                failed += 1
                emit("FAIL", name, "%s: %s" % (title, f), f.detail)
            except Exception as ex:  # a malformed answer must fail, not crash the run
                failed += 1
                emit("FAIL", name, "%s: %s: %s" % (title, type(ex).__name__, ex))
            else:
                passed += 1
                emit("ok", name, title)
    # pairs: run after every case, over the cases of this run
    for name in names:
        c = Case(runroot, name)
        pair = c.env.get("PAIR")
        if not pair:
            continue
        title = "pair: `groups --predict` without an IOMMU equals %s's real groups" % pair
        p = Case(runroot, pair)
        if pair not in names:
            why = "%s was not run" % pair
        elif not c.booted or not p.booted:
            why = "%s did not boot" % (name if not c.booted else pair)
        else:
            why = c.absent("predict")
        if why:
            skipped += 1
            emit("skip", name, "%s (%s)" % (title, why))
            continue
        try:
            check_pair(c, p)
        except Skip as s:
            skipped += 1
            emit("skip", name, "%s (%s)" % (title, s))
        except Fail as f:
            failed += 1
            emit("FAIL", name, "%s: %s" % (title, f), f.detail)
        except Exception as ex:
            failed += 1
            emit("FAIL", name, "%s: %s: %s" % (title, type(ex).__name__, ex))
        else:
            passed += 1
            emit("ok", name, title)
    print("# %d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


# --------------------------------------------------------------------- fixtures
REF_FILES = [  # (file in guest/out/kernel, name in _ref)
    ("iommu_groups.txt", "iommu_groups.txt"),
    ("lspci-D-k.txt", "lspci-D-k.txt"),
    ("lspci-D-nn.txt", "lspci-D-nn.txt"),
    ("lspci-vvv-nn-D.txt", "lspci-vvv-nn-D.txt"),
    ("lspci-tv.txt", "lspci-tv.txt"),
    ("dmesg.txt", "dmesg.txt"),
    ("kernel-version.txt", "kernel-version.txt"),
    ("vfio-status.txt", "vfio-status.txt"),
    ("dev-vfio.txt", "dev-vfio.txt"),
    ("swiotlb.txt", "swiotlb.txt"),
    ("modules.txt", "modules.txt"),
    ("debugfs-iommu-listing.txt", "debugfs-iommu-listing.txt"),
    ("pci-devices.txt", "pci-devices.txt"),
    ("class-iommu.txt", "class-iommu.txt"),
]


def write_fixtures(runroot, outdir, names):
    status = 0
    for name in names:
        c = Case(runroot, name)
        dest = os.path.join(outdir, name)
        if not c.booted:
            print("# fixtures: %s did not boot; %s left as it was" % (name, dest), file=sys.stderr)
            status = 1
            continue
        if os.path.lexists(dest):
            shutil.rmtree(dest)
        snap = os.path.join(c.out, "snapshot")
        empty = []
        if os.path.isdir(snap):
            shutil.copytree(snap, dest, symlinks=True)
            # iommuctl snapshot leaves a marker in each directory it
            # left empty (git keeps no empty directory); an older one
            # left them empty
            for root, dirs, files in os.walk(dest):
                if not dirs and files in ([], [".iommuctl-empty"]):
                    empty.append("/" + os.path.relpath(root, dest))
                    if not files:
                        open(os.path.join(root, ".iommuctl-empty"), "w").close()
        else:
            print("# fixtures: %s: no snapshot tree (iommuctl has no snapshot command or it failed);"
                  " writing _ref/ only" % name, file=sys.stderr)
            os.makedirs(dest)
        ref = os.path.join(dest, "_ref")
        if os.path.lexists(ref):
            print("# fixtures: %s: the snapshot has its own _ref; replaced" % name, file=sys.stderr)
            shutil.rmtree(ref) if os.path.isdir(ref) and not os.path.islink(ref) else os.unlink(ref)
        os.makedirs(ref)
        for src, dst in REF_FILES:
            p = os.path.join(c.k, src)
            if os.path.exists(p):
                shutil.copyfile(p, os.path.join(ref, dst))
        shutil.copyfile(os.path.join(c.dir, "qemu-cmdline.txt"), os.path.join(ref, "qemu-cmdline.txt"))
        with open(os.path.join(ref, "empty-dirs.txt"), "w") as f:
            for d in sorted(e for e in empty if e != "/."):
                f.write(d + "\n")
        with open(os.path.join(ref, "harvest.conf"), "w") as f:
            for k in ("GUEST_MODULES", "VFIO_BIND", "SRIOV", "NET_UP", "READ_DISKS", "APPEND", "MEM",
                      "IOMMU", "KERNEL", "TOPOLOGY", "TOPO_ACS", "TOPO_NVME_SRIOV_VFS"):
                f.write("%s=%s\n" % (k, shlex.quote(c.env.get(k, ""))))
            f.write("HARVEST_NAME=%s\n" % name)
        print("# fixtures: wrote %s" % dest, file=sys.stderr)
    return status


# --------------------------------------------------------------------- decode, mkdisk
def decode(serial, outdir):
    try:
        data = open(serial, "rb").read()
    except OSError as e:
        print("no second serial output: %s" % e)
        return 1
    b = data.find(BEGIN)
    e = data.find(END, b + 1 if b >= 0 else 0)
    if b < 0:
        print("no begin marker on the second serial port (%d bytes)" % len(data))
        return 1
    if e < 0:
        print("no end marker on the second serial port (truncated, %d bytes)" % len(data))
        return 1
    body = data[data.index(b"\n", b) + 1:e]
    tail = data[e + len(END):].split(b"\n", 1)[0].strip().decode("ascii", "replace")
    blob = base64.b64decode(b"".join(body.split()))
    md5 = hashlib.md5(blob).hexdigest()
    if tail and tail != md5:
        print("checksum mismatch: guest %s, host %s" % (tail, md5))
        return 1
    if os.path.exists(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    p = subprocess.run(["tar", "-xzf", "-", "-C", outdir], input=blob, capture_output=True)
    if p.returncode != 0:
        print("tar failed: %s" % p.stderr.decode(errors="replace"))
        return 1
    print("decoded %d bytes" % len(blob))
    return 0


def mkdisk(path, label, mib):
    size = int(mib) << 20
    blk = 4096
    pattern = bytes(range(256)) * (blk // 256 + 2)
    chunks = []
    for i in range(size // blk):
        head = ("iommuctl-vm disk %s block %d\n" % (label, i)).encode()
        chunks.append(head + pattern[i % 256:i % 256 + blk - len(head)])
    want = b"".join(chunks)
    try:
        if open(path, "rb").read() == want:
            return 0
    except OSError:
        pass
    with open(path + ".tmp", "wb") as f:
        f.write(want)
    os.replace(path + ".tmp", path)
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "mkdisk":
        return mkdisk(*args)
    if cmd == "guest-commands":
        for name, a in GUEST_COMMANDS:
            print(name, a)
        return 0
    if cmd == "decode":
        return decode(*args)
    if cmd == "check":
        return run_checks(args[0], args[1:])
    if cmd == "fixtures":
        return write_fixtures(args[0], args[1], args[2:])
    print("unknown subcommand %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
