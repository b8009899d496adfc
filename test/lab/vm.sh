#!/usr/bin/env bash
# ringgen kernel lab: runs the lab inside a QEMU VM that boots Debian's own kernel (with the Open
# vSwitch module, GRE, VXLAN), on this machine's own userspace shared read-only over 9p with a
# tmpfs overlay, so the generated scripts run on the kernel datapath. See docs/lab.md.
#
#   vm.sh prepare                 fetch Debian's kernel package with apt, unpack it, depmod, and
#                                 build the initramfs; cached in $KERNEL_CACHE (once)
#   vm.sh run OUTDIR -- CMD...    boot the VM, run CMD (a shell line) in it from the checkout,
#                                 power off; OUTDIR (writable share) gets console.log, rc, and
#                                 whatever CMD writes to $LAB_SHARE; exits with CMD's exit code
#   vm.sh serve OUTDIR            boot the VM with a command agent (test/lab/vm-agent.sh) on a
#                                 TCP port of 127.0.0.1 (written to OUTDIR/port once it answers;
#                                 user-mode network restricted to that one forward), OUTDIR mounted
#                                 in the VM at the same path; the VM powers off when OUTDIR/stop
#                                 appears. The lab harness then runs its commands in the VM
#                                 (LAB_VM_PORT, LAB_VM_SHARE; docs/lab.md)
#   vm.sh available               exit 0 when the VM can run here (root, qemu, prepared kernel)
#
# Environment: KERNEL_CACHE (default /var/cache/ringgen-lab/kernel), VM_MEM (MiB, default 6144),
# VM_TIMEOUT (seconds, default 2400: QEMU is killed after it).
set -euo pipefail
shopt -s inherit_errexit

readonly KERNEL_LAYOUT=v1
# Loaded in this order by the initramfs: enough to mount 9p and an overlay.
readonly INITRD_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

log() { printf 'vm.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

KERNEL_CACHE=${KERNEL_CACHE:-/var/cache/ringgen-lab/kernel}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The flavour with 9p: generic amd64 (the cloud flavour has none). NN as the metapackage says.
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

cmd_prepare() {
  local pkg dir tmp version
  ((EUID == 0)) || die "must run as root"
  command -v qemu-system-x86_64 >/dev/null || die "missing qemu-system-x86_64 (apt-get install --no-install-recommends qemu-system-x86)"
  [[ -x /bin/busybox ]] || die "missing /bin/busybox (apt-get install busybox-static)"
  pkg=$(kernel_package)
  [[ -n $pkg ]] || die "apt-cache names no linux-image for linux-image-amd64 (apt-get update first)"
  dir=$KERNEL_CACHE/$pkg-$KERNEL_LAYOUT
  mkdir -p "$KERNEL_CACHE"
  (
    flock 9
    if [[ -f $dir/.ready ]]; then ln -sfn "${dir##*/}" "$KERNEL_CACHE/current"; exit 0; fi
    tmp=$dir.tmp
    rm -rf --one-file-system "$tmp"
    mkdir -p "$tmp/deb"
    log "fetching $pkg with apt and unpacking it into $dir (once)"
    (cd "$tmp/deb" && apt-get download -q "$pkg" >"$tmp/download.log" 2>&1) ||
      { tail -n 5 "$tmp/download.log" >&2; die "apt-get download $pkg failed"; }
    dpkg-deb -x "$tmp"/deb/*.deb "$tmp/root"
    rm -rf "$tmp/deb"
    version=$(ls "$tmp/root/lib/modules")
    [[ -f $tmp/root/boot/vmlinuz-$version ]] || die "no kernel image in $pkg"
    depmod -b "$tmp/root" "$version"
    build_initrd "$tmp/root" "$version" "$tmp/initrd.img"
    printf '%s\n' "$version" >"$tmp/version"
    touch "$tmp/.ready"
    mv "$tmp" "$dir"
    ln -sfn "${dir##*/}" "$KERNEL_CACHE/current"
    # Older kernels of earlier runs.
    find "$KERNEL_CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "${dir##*/}" -exec rm -rf --one-file-system {} +
  ) 9>"$KERNEL_CACHE/.lock"
}

# A busybox initramfs: load the virtio/9p/overlay modules, mount this machine's root read-only
# (9p tag hostroot) under a tmpfs overlay, the kernel's modules (tag modules) on /lib/modules, and
# switch_root to the checkout's in-VM init (the kernel parameter vminit=PATH).
build_initrd() {
  local root=$1 version=$2 out=$3 w m f
  w=$(mktemp -d)
  mkdir -p "$w"/{bin,dev,proc,sys,newroot,lower,upper,mods}
  cp /bin/busybox "$w/bin/busybox"
  for m in $INITRD_MODULES; do
    f=$(find "$root/lib/modules/$version" -name "$m.ko*" | head -n 1)
    [[ -n $f ]] || die "module $m not in the kernel package"
    cp "$f" "$w/mods/"
  done
  cat >"$w/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in MODULES; do
  f=$(ls /mods/$m.ko* 2>/dev/null | head -n 1)
  case $f in *.xz) xz -dc "$f" >/tmp.ko; f=/tmp.ko ;; *.zst) zstd -dc "$f" >/tmp.ko 2>/dev/null || true; f=/tmp.ko ;; esac
  insmod "$f" || echo "initrd: insmod $m failed" >/dev/console
done
fail() { echo "initrd: $*" >/dev/console; echo o >/proc/sysrq-trigger; sleep 60; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower || fail "cannot mount hostroot"
mount -t tmpfs -o size=75% tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || fail "cannot mount the overlay"
mkdir -p /newroot/lib/modules
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose modules /newroot/lib/modules || fail "cannot mount modules"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash "$vminit"
INIT
  sed -i "s/MODULES/$INITRD_MODULES/" "$w/init"
  chmod 0755 "$w/init"
  (cd "$w" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$out")
  rm -rf "$w"
}

kernel_dir() { printf '%s/current' "$KERNEL_CACHE"; }

cmd_available() {
  ((EUID == 0)) || { echo "not root"; return 1; }
  command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing (apt-get install --no-install-recommends qemu-system-x86)"; return 1; }
  [[ -f $(kernel_dir)/.ready ]] || { echo "no prepared kernel in $KERNEL_CACHE (run: bash test/lab/vm.sh prepare)"; return 1; }
}

QEMU_PID=
RUN_TMP=
cleanup_run() {
  if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill -TERM "$QEMU_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$QEMU_PID" 2>/dev/null || true
  fi
  [[ -z $RUN_TMP ]] || rm -rf --one-file-system "$RUN_TMP"
}

# Kernel parameters for speed under emulation: no address space randomisation (QEMU's emulation
# keeps the code it translated per address: with every process mapping its libraries elsewhere,
# each new process translated them again, and starting /bin/true took 160-470 ms instead of about
# 60) and no speculation mitigations (retpolines and buffer clearing buy nothing in a test VM).
# Not the TSC as clock: its frequency, calibrated under emulation on a busy machine, came out
# wrong (the VM's uptime ran 5 times faster than the wall clock), and every timer with it; the
# HPET is slower to read but right.
VM_KERNEL_ARGS=${VM_KERNEL_ARGS-norandmaps mitigations=off}

# Boots the VM (mode run or serve, read by vm-init.sh from the share) and waits for it to end.
boot_vm() {
  local out=$1 mode=$2 k version deadline port=
  local -a net=(-nic none)
  cmd_available >/dev/null || die "$(cmd_available)"
  k=$(readlink -f "$(kernel_dir)")
  version=$(<"$k/version")
  RUN_TMP=$(mktemp -d /tmp/ringgen-vm.XXXXXX)
  trap cleanup_run EXIT
  trap 'exit 130' INT TERM HUP
  rm -f "$out/rc" "$out/console.log" "$out/port" "$out/stop"
  # Which temporary directory is this run's: the caller checks that one is gone after the run,
  # not every /tmp/ringgen-vm.* (another run beside this one, or one killed with SIGKILL before
  # its trap ran, is not this run's leftover).
  printf '%s\n' "$RUN_TMP" >"$out/run-tmp"
  printf '%s\n' "$mode" >"$out/mode"
  printf '%s\n' "$REPO" >"$out/repo"
  printf '%s\n' "$out" >"$out/hostpath"
  if [[ $mode == serve ]]; then
    port=$(free_port)
    # restrict=on: the VM reaches nothing outside; only the agent's port is forwarded in.
    net=(-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:7070" -device "virtio-net-pci,netdev=n0,romfile=")
  fi
  log "booting Debian's kernel $version under QEMU (TCG, 2 cores, ${VM_MEM:-6144} MiB, $mode); console: $out/console.log"
  # setpriv --pdeathsig: QEMU dies with this script, also when it is killed with SIGKILL.
  setpriv --pdeathsig KILL -- qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m "${VM_MEM:-6144}" \
    -nographic -no-reboot "${net[@]}" -monitor none -serial "file:$out/console.log" \
    -kernel "$k/root/boot/vmlinuz-$version" -initrd "$k/initrd.img" \
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$k/root/lib/modules,mount_tag=modules,security_model=none,readonly=on" \
    -virtfs "local,path=$out,mount_tag=share,security_model=none" \
    -append "console=ttyS0 panic=-1 softlockup_panic=1 quiet $VM_KERNEL_ARGS vminit=$REPO/test/lab/vm-init.sh" \
    </dev/null >"$RUN_TMP/qemu.out" 2>&1 &
  QEMU_PID=$!
  deadline=$((SECONDS + ${VM_TIMEOUT:-2400}))
  while kill -0 "$QEMU_PID" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      log "error: the VM ran longer than ${VM_TIMEOUT:-2400} s; killing QEMU ($QEMU_PID)"
      break
    fi
    if [[ -n $port && -f $out/ready && ! -f $out/port ]]; then
      printf '%s\n' "$port" >"$out/port.tmp" && mv "$out/port.tmp" "$out/port"
      log "agent of the VM answers on 127.0.0.1:$port"
    fi
    sleep 1
  done
  cleanup_run
  QEMU_PID=
  rm -f "$out/port"
  if [[ -s $RUN_TMP/qemu.out ]]; then cat "$RUN_TMP/qemu.out" >&2; fi
}

# A TCP port of 127.0.0.1 nobody listens on.
free_port() {
  local p used
  used=$(ss -Htln 2>/dev/null | awk '{ print $4 }')
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    grep -q ":$p\$" <<<"$used" || { printf '%s\n' "$p"; return 0; }
  done
  die "no free TCP port found"
}

vm_rc() {
  local out=$1
  if [[ -f $out/rc ]]; then cat "$out/rc"; else log "error: the VM wrote no exit code (see $out/console.log)"; echo 125; fi
}

cmd_run() {
  local out=${1:-} cmd rc
  [[ -n $out && ${2:-} == -- && $# -ge 3 ]] || die "usage: vm.sh run OUTDIR -- CMD..."
  shift 2
  cmd=$*
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  # The in-VM command, read by the in-VM init from the share.
  printf '%s\n' "$cmd" >"$out/cmd"
  boot_vm "$out" run
  rc=$(vm_rc "$out")
  return "$rc"
}

cmd_serve() {
  local out=${1:-} rc
  [[ -n $out ]] || die "usage: vm.sh serve OUTDIR"
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  boot_vm "$out" serve
  rc=$(vm_rc "$out")
  return "$rc"
}

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

case ${1:-help} in
  prepare) cmd_prepare ;;
  available) cmd_available ;;
  run) shift; cmd_run "$@" ;;
  serve) shift; cmd_serve "$@" ;;
  help | -h | --help) usage ;;
  *) usage >&2; die "unknown command '$1'" ;;
esac
