# shellcheck shell=bash
# Booted lab hosts: a Debian root with systemd as PID 1 under systemd-nspawn, in the host's
# network namespace, with the distribution's Open vSwitch and Docker services. Sourced by lab.sh.
#
# A booted host's disk is an overlay over a cached root ($LAB_CACHE/machine-LAYOUT), its upper
# layer and Docker's data in $LAB_DIR/HOST/machine; both survive a reboot, as a disk does. A
# reboot powers the machine off, deletes its network namespace and makes it again bare (only the
# cable to the underlay), then boots: everything of ringgen must come back from the units.

readonly MACHINE_LAYOUT=v1
readonly MACHINE_PACKAGES=systemd,systemd-sysv,dbus,iproute2,iptables,openvswitch-switch,docker.io,ethtool,iputils-ping,procps,util-linux,ca-certificates
readonly MACHINE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

machine_root() { printf '%s/machine-%s' "$LAB_CACHE" "$MACHINE_LAYOUT"; }
machine_dir() { printf '%s/machine' "$(host_dir "$1")"; }
is_booted_host() { [[ -f $LAB_DIR/$1/boot ]]; }

# The Debian mirror apt uses on this machine (debootstrap fetches from the same place).
apt_mirror() {
  local uri=''
  if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    uri=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" && $3 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list)
  fi
  [[ -n $uri ]] || die "no Debian mirror found in apt's sources; set LAB_MIRROR"
  printf '%s' "$uri"
}

# Builds the booted hosts' root once (debootstrap, a few minutes) and caches it.
cmd_prepare_machine() {
  local root tmp
  root=$(machine_root)
  mkdir -p "$LAB_CACHE"
  (
    flock 9
    [[ -f $root/.ready ]] && exit 0
    command -v debootstrap >/dev/null || die "missing debootstrap (apt-get install debootstrap)"
    command -v systemd-nspawn >/dev/null || die "missing systemd-nspawn (apt-get install systemd-container)"
    tmp=$root.tmp
    rm -rf --one-file-system "$tmp" "$root"
    log "building the booted hosts' Debian root in $root (once, a few minutes)"
    if ! debootstrap --variant=minbase --include="$MACHINE_PACKAGES" bookworm "$tmp" "${LAB_MIRROR:-$(apt_mirror)}" \
      >"$LAB_CACHE/debootstrap.log" 2>&1; then
      tail -n 20 "$LAB_CACHE/debootstrap.log" >&2
      die "debootstrap failed (log: $LAB_CACHE/debootstrap.log)"
    fi
    machine_base_config "$tmp"
    touch "$tmp/.ready"
    mv "$tmp" "$root"
  ) 9>"$LAB_CACHE/.machine-lock"
}

# What every booted host has whatever ring it runs: its own network configuration (the underlay
# address on an OVS bridge holding eth1, as the userspace datapath needs), writable cgroups for
# Docker, and Docker's FORWARD DROP. Nothing of ringgen.
machine_base_config() {
  local r=$1
  rm -f "$r/etc/machine-id" && : >"$r/etc/machine-id"
  cat >"$r/usr/local/sbin/lab-underlay" <<'EOF'
#!/bin/sh
# The host's own network configuration: underlay address on br-phy, which holds eth1.
set -eu
. /etc/lab-underlay.env
ovs-vsctl --timeout=30 --may-exist add-br br-phy -- set bridge br-phy datapath_type=netdev \
  -- --may-exist add-port br-phy eth1
ip addr replace "$INTERNAL" dev br-phy
ip link set br-phy up
ip link set eth1 up
EOF
  chmod 0755 "$r/usr/local/sbin/lab-underlay"
  cat >"$r/etc/systemd/system/lab-underlay.service" <<'EOF'
[Unit]
Description=lab: underlay address on an OVS bridge holding eth1 (this host's network config)
Requires=openvswitch-switch.service
After=openvswitch-switch.service ovs-vswitchd.service
Before=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/lab-underlay

[Install]
WantedBy=multi-user.target network-online.target
EOF
  cat >"$r/etc/systemd/system/lab-cgroup-rw.service" <<'EOF'
[Unit]
Description=lab: writable cgroup hierarchies for Docker inside systemd-nspawn
DefaultDependencies=no
Before=docker.service containerd.service
After=local-fs.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'mount -o remount,rw /sys/fs/cgroup; for m in /sys/fs/cgroup/*; do mount -o remount,bind,rw "$m" || true; done'

[Install]
WantedBy=multi-user.target
EOF
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants" "$r/etc/systemd/system/network-online.target.wants"
  ln -sf /etc/systemd/system/lab-underlay.service "$r/etc/systemd/system/multi-user.target.wants/lab-underlay.service"
  ln -sf /etc/systemd/system/lab-underlay.service "$r/etc/systemd/system/network-online.target.wants/lab-underlay.service"
  ln -sf /etc/systemd/system/lab-cgroup-rw.service "$r/etc/systemd/system/multi-user.target.wants/lab-cgroup-rw.service"
}

# Makes the machine's disk (overlay over the cached root) and its per-host files.
machine_create() {
  local name=$1 internal=$2 m ns
  m=$(machine_dir "$name")
  ns=$(host_ns "$name")
  [[ -f $(machine_root)/.ready ]] || cmd_prepare_machine
  mkdir -p "$m/upper" "$m/work" "$m/root" "$m/docker"
  touch "$(host_dir "$name")/boot"
  machine_mount "$name"
  printf '%s\n' "$name" >"$m/root/etc/hostname"
  printf 'INTERNAL=%s\n' "$internal" >"$m/root/etc/lab-underlay.env"
  mkdir -p "$m/root/etc/docker"
  # Containers' cgroups land in the host-level hierarchy: keep them under this host's name.
  printf '{ "cgroup-parent": "/%s" }\n' "$ns" >"$m/root/etc/docker/daemon.json"
}

machine_mount() {
  local m
  m=$(machine_dir "$1")
  mountpoint -q "$m/root" && return 0
  mount -t overlay overlay -o "lowerdir=$(machine_root),upperdir=$m/upper,workdir=$m/work" "$m/root"
}

machine_leader() {
  local m pid
  m=$(machine_dir "$1")
  pid=$(lab_pid "$m/nspawn.pid") || return 1
  pgrep -P "$pid" -x systemd | head -n 1
}

in_machine() {
  local name=$1 leader
  shift
  leader=$(machine_leader "$name") || die "host '$name' is not running"
  nsenter -t "$leader" -a env -i PATH="$MACHINE_PATH" TERM=dumb "$@"
}

# Boots the machine in the host's namespace and waits until systemd reports the boot finished.
cmd_boot() {
  [[ $# -eq 1 ]] || die "usage: lab.sh boot HOST"
  local name=$1 m ns pid leader state i
  require_host "$name"
  is_booted_host "$name" || die "host '$name' is not a booted host (\"boot\": true in the spec)"
  m=$(machine_dir "$name")
  ns=$(host_ns "$name")
  if lab_pid "$m/nspawn.pid" >/dev/null; then die "host '$name' is already running"; fi
  machine_mount "$name"
  log "booting $name (systemd under systemd-nspawn)"
  (
    # Its own cgroup: without a host systemd, --keep-unit puts the machine's payload there.
    for c in /sys/fs/cgroup/*/; do
      [[ -f $c/cgroup.procs ]] || continue
      mkdir -p "$c$ns"
      echo "$BASHPID" >"$c$ns/cgroup.procs" 2>/dev/null || true
    done
    SYSTEMD_NSPAWN_API_VFS_WRITABLE=1 SYSTEMD_SECCOMP=0 exec setsid systemd-nspawn -q -D "$m/root" \
      -M "$ns" --boot --register=no --keep-unit --network-namespace-path="/run/netns/$ns" \
      --capability=all --bind="$m/docker:/var/lib/docker" --console=passive \
      </dev/null >>"$m/nspawn.log" 2>&1
  ) &
  pid=$!
  printf '%s\n' "$pid" >"$m/nspawn.pid"
  for ((i = 0; i < 300; i++)); do
    leader=$(pgrep -P "$pid" -x systemd | head -n 1 || true)
    [[ -n $leader ]] && break
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$m/nspawn.log" >&2; die "systemd-nspawn for $name exited"; }
    sleep 0.1
  done
  [[ -n ${leader:-} ]] || die "no systemd in $name after 30 s"
  for ((i = 0; i < 600; i++)); do
    state=$(nsenter -t "$leader" -a env -i PATH="$MACHINE_PATH" systemctl is-system-running 2>/dev/null || true)
    case $state in
      running | degraded) log "$name booted ($state)"; return 0 ;;
    esac
    sleep 0.1
  done
  die "$name did not finish booting in 60 s (state '$state')"
}

# Powers the machine off (systemctl poweroff inside), as an operator would; kills it after 60 s.
cmd_poweroff() {
  [[ $# -eq 1 ]] || die "usage: lab.sh poweroff HOST"
  local name=$1 m pid
  require_host "$name"
  m=$(machine_dir "$name")
  pid=$(lab_pid "$m/nspawn.pid") || { log "$name is not running"; return 0; }
  log "powering $name off"
  in_machine "$name" systemctl poweroff --no-block >/dev/null 2>&1 || true
  if ! wait_gone 600 "$pid"; then
    log "warning: $name did not power off in 60 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    mapfile -t pids < <(cgroup_pids "$(host_ns "$name")")
    kill_list KILL "${pids[@]}"
    wait_gone 100 "$pid" || true
  fi
  rm -f "$m/nspawn.pid"
}

# A real reboot: power off, throw the network namespace away, make it again with nothing but the
# cable to the underlay, boot.
cmd_reboot() {
  [[ $# -eq 1 ]] || die "usage: lab.sh reboot HOST"
  local name=$1 ns idx
  require_host "$name"
  ns=$(host_ns "$name")
  idx=$(<"$(host_dir "$name")/idx")
  cmd_poweroff "$name"
  ip netns del "$ns"
  # The kernel tears a namespace down in the background; its cable's other end (in the underlay
  # namespace, same name as the new one will have) goes with it, sometimes seconds later.
  local ulif i
  ulif=$(<"$(host_dir "$name")/ulif")
  for ((i = 0; i < 300; i++)); do
    ip -n "$NS_UL" link show dev "$ulif" >/dev/null 2>&1 || break
    sleep 0.1
  done
  ip -n "$NS_UL" link show dev "$ulif" >/dev/null 2>&1 && die "$name's old cable $ulif is still there 30 s after its namespace was deleted"
  setup_host_net "$idx" "$name" - bare
  cmd_boot "$name"
}
