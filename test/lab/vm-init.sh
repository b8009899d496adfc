#!/bin/bash
# PID 1 of the kernel lab's VM (after the initramfs of test/lab/vm.sh switched to the overlay
# of this machine's root): mounts what a booted system has, loads the kernel's tunnel and Open
# vSwitch modules, runs the command the host left in the share from the checkout, writes its
# exit code to the share and powers off. Output goes to the serial console and to the share.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755 tmpfs /run
# The machine's own /tmp stays reachable under /.ringgen-host-tmp (a checkout there, as CI's may
# be, would otherwise be hidden by the VM's tmpfs /tmp).
mkdir -p /.ringgen-host-tmp && mount --bind /tmp /.ringgen-host-tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /dev/shm /run/vm-share /run/netns /run/lock
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin; ln -sfn /proc/self/fd/1 /dev/stdout; ln -sfn /proc/self/fd/2 /dev/stderr
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share /run/vm-share
# The host's own /var/cache/ringgen-lab is below (read-only share, writable overlay): the image tar is reused.
share=/run/vm-share
exec >/dev/ttyS0 2>&1
hostname ringgen-vm
ip link set lo up
for m in openvswitch vport-gre vport-vxlan ip_gre vxlan veth bridge br_netfilter overlay nf_conntrack esp4 xfrm_user xt_policy xt_multiport; do
  modprobe "$m" || echo "vm-init: modprobe $m failed"
done
sysctl -qw kernel.panic=-1 net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
# Open vSwitch 3.1.0 (Debian 12's) counts 0 CPUs until 10 s after boot and then starts no upcall
# handler: every packet of a new flow is lost (check.sh's "upcalls" check names it). The lab's
# switches must start later, as on a host that took longer to boot.
while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do sleep 0.5; done
echo "vm-init: up $(cut -d' ' -f1 /proc/uptime) s after boot, kernel $(uname -r)"
# Warm up: read the big daemons once (over 9p into the page cache) and run each, so the emulation
# has translated their start-up code before the lab needs it. Without it, dockerd gave up on its
# own containerd ("timeout waiting for containerd to start", after 60 s) on a busy machine.
t0=$(cut -d' ' -f1 /proc/uptime)
for b in containerd dockerd containerd-shim-runc-v2 runc docker ovs-vswitchd ovsdb-server ovs-vsctl node; do
  p=$(command -v "$b") && cat "$p" >/dev/null
done
for b in containerd dockerd runc ovs-vswitchd ovsdb-server; do "$b" --version >/dev/null 2>&1; done
echo "vm-init: warm-up took $(awk -v a="$t0" '{ print $1 - a }' /proc/uptime) s"
mode=$(cat "$share/mode" 2>/dev/null || echo run)
# The share also at the path it has on the machine running QEMU: a file the harness writes there
# (a ring's scripts) is at the same path in the VM.
hostpath=$(cat "$share/hostpath" 2>/dev/null || true)
if [ -n "$hostpath" ]; then mkdir -p "$hostpath" && mount --bind "$share" "$hostpath"; fi
repo=$(cat "$share/repo")
case $repo in
/tmp/*) mkdir -p "$repo" && mount --bind "/.ringgen-host-tmp/${repo#/tmp/}" "$repo" ;;
esac
# Every 30 s a line of what runs, for a run that hangs (the host sees it in the share).
( while sleep 30; do
    printf '%s up %s s, load %s, netns %s, NET_RX softirqs %s\n' "$(date +%T)" "$(cut -d' ' -f1 /proc/uptime)" \
      "$(cut -d' ' -f1-3 /proc/loadavg)" "$(ip netns list | wc -l)" "$(awk '$1 == "NET_RX:" { print $2 + $3 }' /proc/softirqs)" >>"$share/progress.log"
  done ) &
rc=0
if [ "$mode" = serve ]; then
  # The harness on the machine running QEMU sends each command to the agent (vm.sh serve); the
  # user-mode network reaches the VM's own namespace only, the lab's namespaces stay apart.
  # Renamed: the lab makes veths named eth0/eth1 straight in its namespaces, and this kernel
  # refuses those names ("File exists") while the VM's own namespace has an eth0.
  modprobe virtio_net
  { ip link set eth0 name vmagent0 && ip link set vmagent0 up && ip addr add 10.0.2.15/24 dev vmagent0; } ||
    echo "vm-init: no network device for the agent"
  cp "$repo/test/lab/vm-agent.sh" /run/vm-agent.sh
  busybox nc -ll -p 7070 -e /run/vm-agent.sh </dev/null >/dev/null 2>&1 &
  touch "$share/ready"
  echo "vm-init: agent listening on 7070 after $(cut -d' ' -f1 /proc/uptime) s"
  while [ ! -e "$share/stop" ]; do sleep 1; done
  rc=$(cat "$share/stop" 2>/dev/null)
  case $rc in ''|*[!0-9]*) rc=0 ;; esac
else
  # A snapshot of the checkout in the VM's tmpfs: edits on the host during the run do not reach it.
  mkdir -p /tmp/checkout
  tar -C "$repo" --exclude=./.git --exclude=./node_modules -cf - . | tar -C /tmp/checkout -xf -
  ln -s "$(readlink -f "$repo/node_modules")" /tmp/checkout/node_modules
  if cd /tmp/checkout; then
    LAB_SHARE=$share bash -c "$(cat "$share/cmd")" </dev/null 2>&1 | tee "$share/run.log"
    rc=${PIPESTATUS[0]}
  else
    rc=126
  fi
fi
echo "vm-init: command exited $rc after $(cut -d' ' -f1 /proc/uptime) s"
printf '%s\n' "$rc" >"$share/rc"
sync
echo o >/proc/sysrq-trigger
sleep 30
