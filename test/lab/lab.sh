#!/usr/bin/env bash
# ringgen lab harness: simulated Docker hosts in network namespaces, each with its
# own Open vSwitch (userspace datapath) and its own dockerd, joined by an underlay
# Linux bridge, plus an "outside" bridge with a client. See docs/lab.md.
#
#   lab.sh up SPEC.json        build the lab (calls `down` for the prefix first)
#   lab.sh env HOST            print `export` lines for a host's OVS and Docker
#   lab.sh exec HOST CMD...    run CMD in the host's network namespace, env set
#   lab.sh cexec HOST CONTAINER CMD...  run CMD in a container's network namespace
#   lab.sh client CMD...       run CMD in the outside client namespace
#   lab.sh cut HOST            take the host's underlay link down
#   lab.sh restore HOST        bring it back up
#   lab.sh dump HOST           print diagnostics for a failure report
#   lab.sh down [PREFIX]       stop and remove everything of a lab
#   lab.sh boot|poweroff|reboot HOST   a booted host ("boot": true): systemd under nspawn
#   lab.sh prepare-machine     build the booted hosts' cached Debian root (once)
#
# Environment: LAB_PREFIX (default rgl; `up` takes it from the spec), LAB_DIR
# (default /tmp/ringgen-lab/PREFIX), LAB_CACHE (default /var/cache/ringgen-lab),
# LAB_DOCKER_CLI (default /usr/bin/docker, the client matching Debian's dockerd),
# LAB_DATAPATH (netdev, the default: the underlay address on an OVS bridge br-phy holding
# eth1; system: on eth1 itself, for the kernel datapath, which needs the openvswitch module),
# LAB_SLOWDOWN (how many times slower than usual the machine runs: waits are longer, dockerds start
# LAB_DOCKERD_AT_ONCE at a time, default 2).
#
# Everything the lab makes lives in namespaces named PREFIX-*, in LAB_DIR and in
# cgroups named after the host namespaces; `down` removes it by those names and by
# pidfile, never by process name, so other labs and dockerds are left alone.
set -euo pipefail
shopt -s inherit_errexit

readonly IMAGE=ringgen-lab/busybox:1
readonly IMAGE_LAYOUT=v1
readonly DOCKER_API=1.41
readonly RESERVED_NAMES=" ul out cl bin "
# No dirname process: each costs about 60 ms in the kernel lab's VM, and every lab.sh call sources this.
LAB_SH_DIR=.
[[ ${BASH_SOURCE[0]} != */* ]] || LAB_SH_DIR=${BASH_SOURCE[0]%/*}
# shellcheck source=test/lab/machine.sh
source "$LAB_SH_DIR/machine.sh"

log() { printf 'lab.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- names and paths ---------------------------------------------------------

set_prefix() {
  PREFIX=$1
  [[ $PREFIX =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "bad prefix '$PREFIX' (1-8 of a-z0-9, letter first)"
  LAB_DIR=${LAB_DIR:-/tmp/ringgen-lab/$PREFIX}
  NS_UL=$PREFIX-ul
  NS_OUT=$PREFIX-out
  NS_CL=$PREFIX-cl
}

host_ns() { printf '%s-%s' "$PREFIX" "$1"; }
host_dir() { printf '%s/%s' "$LAB_DIR" "$1"; }

check_host_name() {
  [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$ ]] || die "bad host name '$1'"
  [[ $RESERVED_NAMES != *" $1 "* ]] || die "host name '$1' is reserved"
}

# A host given to env/exec/cut/... must belong to a lab that is up.
require_host() {
  check_host_name "$1"
  # No command substitution: each fork of bash costs about 40 ms in the kernel lab's VM.
  [[ -e /run/netns/$PREFIX-$1 && -d $LAB_DIR/$1 ]] ||
    die "no host '$1' in lab '$PREFIX' (LAB_DIR=$LAB_DIR); run 'lab.sh up' first"
}

ns_exists() { [[ -e /run/netns/$1 ]]; }
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }

# For `exec` and `client`: the network namespace via nsenter (cgroup mounts stay, unlike `ip
# netns exec`) and a mount namespace of the host's own, made once at `up` (make_mount_ns), whose
# /sys is a sysfs of that network namespace, so /sys/class/net shows the host's own interfaces.
# Entering both is one process; the private mount namespace with a fresh sysfs that each call made
# before cost five (mktemp, three mounts, rmdir: about 0.3 s a call in the kernel lab's emulated VM).
# Mounts made after `up` in the machine's own mount namespace (Docker's) are not seen in it; the
# lab's commands do not need them.
# shellcheck disable=SC2016 # expanded by the inner sh
readonly SYSFS_SH='t=$(mktemp -d /tmp/.ringgen-lab-sys.XXXXXX) &&
  mount -t sysfs sysfs "$t" && mount --rbind /sys/fs/cgroup "$t/fs/cgroup" &&
  mount --move "$t" /sys && rmdir "$t"'
mount_ns_file() { printf -v "$1" '%s/mnt/%s' "$LAB_DIR" "$2"; }
make_mount_ns() {
  local ns=$1 file
  mount_ns_file file "$ns"
  if [[ ! -d $LAB_DIR/mnt ]]; then
    # A namespace file can only be bound onto a mount that does not propagate into it.
    mkdir -p "$LAB_DIR/mnt"
    mount --bind "$LAB_DIR/mnt" "$LAB_DIR/mnt"
    mount --make-private "$LAB_DIR/mnt"
  fi
  : >"$file"
  nsenter --net="/run/netns/$ns" -- unshare --mount="$file" --propagation slave -- sh -c "$SYSFS_SH"
}
enter_ns() {
  local ns=$1 file; shift
  mount_ns_file file "$ns"
  exec nsenter --net="/run/netns/$ns" --mount="$file" --wd="$PWD" -- "$@"
}

# --- spec --------------------------------------------------------------------

# Prints "prefix P", "client CIDR|-", then "host NAME INTERNAL EXTERNAL|-" lines.
parse_spec() {
  node -e '
    const fs = require("fs");
    const spec = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const cidr = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
    const fail = (m) => { console.error("lab.sh: error: spec: " + m); process.exit(1); };
    if (!Array.isArray(spec.hosts) || spec.hosts.length === 0) fail("hosts must be a non-empty array");
    if (spec.client !== undefined && !cidr.test(spec.client)) fail("client must be an IPv4 CIDR");
    console.log("prefix " + (spec.prefix ?? "rgl"));
    console.log("client " + (spec.client ?? "-"));
    const seen = new Set();
    for (const [i, h] of spec.hosts.entries()) {
      if (typeof h.name !== "string" || seen.has(h.name)) fail("hosts[" + i + "].name missing or repeated");
      seen.add(h.name);
      if (!cidr.test(h.internal ?? "")) fail("hosts[" + i + "].internal must be an IPv4 CIDR");
      if (h.external !== undefined && !cidr.test(h.external)) fail("hosts[" + i + "].external must be an IPv4 CIDR");
      if (h.boot !== undefined && typeof h.boot !== "boolean") fail("hosts[" + i + "].boot must be a boolean");
      if (h.docker !== undefined && typeof h.docker !== "boolean") fail("hosts[" + i + "].docker must be a boolean");
      if (h.boot && h.docker === false) fail("hosts[" + i + "]: a booted host runs its own Docker service");
      console.log(["host", h.name, h.internal, h.external ?? "-", h.boot ? "boot" : "-", h.docker === false ? "nodocker" : "-"].join(" "));
    }' "$1"
}

# --- busybox image -----------------------------------------------------------

# Builds (once, cached by busybox checksum) a root tar: busybox plus a link per
# applet, so sh, ping, nc, ip, httpd... exist. Prints the tar's path.
image_tar() {
  local sum tar tmp
  [[ -x /bin/busybox ]] || die "/bin/busybox missing (apt-get install busybox-static)"
  sum=$(sha256sum /bin/busybox | cut -c1-12)
  tar=$LAB_CACHE/busybox-$sum-$IMAGE_LAYOUT.tar
  mkdir -p "$LAB_CACHE"
  (
    flock 9
    [[ -s $tar ]] && exit 0
    tmp=$(mktemp -d "$LAB_CACHE/build.XXXXXX")
    build_rootfs "$tmp/root"
    tar -C "$tmp/root" --numeric-owner -cf "$tmp/root.tar" .
    mv "$tmp/root.tar" "$tar"
    rm -rf "$tmp"
  ) 9>"$LAB_CACHE/.lock"
  printf '%s\n' "$tar"
}

build_rootfs() {
  local root=$1 applet
  mkdir -p "$root"/{bin,etc,dev,proc,sys,root,tmp,usr,var/www}
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
  done
  ln -s bin "$root/sbin"
  ln -s ../bin "$root/usr/bin"
  ln -s ../bin "$root/usr/sbin"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'ringgen-lab\n' >"$root/var/www/index.html"
  local needed
  for needed in sh ping nc ip httpd sleep; do
    [[ -L $root/bin/$needed ]] || die "busybox lacks applet '$needed'"
  done
}

# --- network -----------------------------------------------------------------

# veth with one end in each namespace; tx checksum offload off on both ends
# (OVS's userspace datapath forwards offloaded checksums unfilled: lab-facts.md).
add_veth() {
  local ns_a=$1 if_a=$2 ns_b=$3 if_b=$4
  ip link add "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b"
  in_ns "$ns_a" ethtool -K "$if_a" tx off >/dev/null
  in_ns "$ns_b" ethtool -K "$if_b" tx off >/dev/null
}

add_bridge_ns() {
  local ns=$1 br=$2
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add "$br" type bridge
  ip -n "$ns" link set "$br" up
}

# Underlay/outside end of a host's veth: u3-host3, o3-host3 (max 15 chars).
side_ifname() { local name="$1$2-$3"; printf '%s' "${name:0:15}"; }

setup_fabric() {
  local client=$1
  add_bridge_ns "$NS_UL" br-ul
  add_bridge_ns "$NS_OUT" br-out
  if [[ $client != - ]]; then
    ip netns add "$NS_CL"
    ip -n "$NS_CL" link set lo up
    make_mount_ns "$NS_CL"
    add_veth "$NS_CL" eth0 "$NS_OUT" cl
    ip -n "$NS_OUT" link set cl master br-out up
    ip -n "$NS_CL" addr add "$client" dev eth0
    ip -n "$NS_CL" link set eth0 up
  fi
}

# setup_host_net IDX NAME EXTERNAL [bare]: a booted host's namespace is made bare (its own boot
# sets forwarding and Docker's FORWARD DROP).
setup_host_net() {
  local idx=$1 name=$2 external=$3 bare=${4:-} ns ulif extif
  ns=$(host_ns "$name")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  if [[ $bare != bare ]]; then
    make_mount_ns "$ns"
    in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1
    in_ns "$ns" iptables -w -P FORWARD DROP
  fi
  ulif=$(side_ifname u "$idx" "$name")
  add_veth "$ns" eth1 "$NS_UL" "$ulif"
  ip -n "$NS_UL" link set "$ulif" master br-ul up
  printf '%s\n' "$ulif" >"$(host_dir "$name")/ulif"
  if [[ $external != - ]]; then
    extif=$(side_ifname o "$idx" "$name")
    add_veth "$ns" eth0 "$NS_OUT" "$extif"
    ip -n "$NS_OUT" link set "$extif" master br-out up
    ip -n "$ns" addr add "$external" dev eth0
    ip -n "$ns" link set eth0 up
  fi
}

# --- Open vSwitch ------------------------------------------------------------

start_ovs() {
  local name=$1 internal=$2 ns d
  ns=$(host_ns "$name")
  d=$(host_dir "$name")/ovs
  mkdir -p "$d"
  ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  # As Debian's ovs-ctl starts them on a real host: niceness -10, and ovs-vswitchd with its
  # memory locked. At niceness 0 the switches' BFD (50 ms) competed with the test runner and six
  # dockerds for two cores, and sessions between healthy hosts flapped.
  ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" \
    nice -n -10 ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
    --detach --log-file="$d/ovsdb-server.log" </dev/null >/dev/null 2>&1
  OVS_RUNDIR=$d ovs-vsctl --no-wait init
  ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" \
    nice -n -10 ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" --mlockall \
    --detach --log-file="$d/ovs-vswitchd.log" </dev/null >/dev/null 2>&1
  if [[ $LAB_DATAPATH == system ]]; then
    # The kernel datapath routes tunnel packets itself: the address sits on the NIC, as on a
    # real host.
    ip -n "$ns" addr add "$internal" dev eth1
    ip -n "$ns" link set eth1 up
    return 0
  fi
  # The simulated host's "hardware": internal IP on an OVS bridge holding eth1,
  # as OVS's userspace tunnelling needs. No external_ids: not ringgen's.
  OVS_RUNDIR=$d ovs-vsctl --timeout=30 add-br br-phy -- set bridge br-phy datapath_type=netdev \
    -- add-port br-phy eth1
  ip -n "$ns" addr add "$internal" dev br-phy
  ip -n "$ns" link set br-phy up
  ip -n "$ns" link set eth1 up
}

# --- IPsec -------------------------------------------------------------------

# ipsec HOST start|stop: Open vSwitch's IPsec monitor (ovs-monitor-ipsec, package openvswitch-ipsec)
# and the strongSwan it drives, as Debian's openvswitch-ipsec service runs them on a real host,
# for one simulated host. They live in a mount namespace of their own (a child of the host's):
# there /run (charon's pid files and control socket) and strongSwan's configuration, which the
# monitor rewrites (/etc/ipsec.conf, /etc/ipsec.secrets, /etc/strongswan.d), are the host's own,
# in LAB_DIR/HOST/ipsec; charon logs to charon.log there. The host's keys and certificates are
# wherever the ring says, read through the host's own mount namespace.
ipsec_pids() {
  local d=$1 ns=$2 f pid
  for f in "$d/ovs/ovs-monitor-ipsec.pid" "$d/ipsec/run/starter.charon.pid" "$d/ipsec/run/charon.pid"; do
    [[ -s $f ]] || continue
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || continue
    # Only a process of this host's network namespace: guards against reused PIDs.
    [[ $(ip netns identify "$pid" 2>/dev/null) == "$ns" ]] && printf '%s\n' "$pid"
  done
}

# The `ipsec` command in the host's own mount namespace (the one the host's scripts run in: up.sh
# runs `ipsec rereadcacerts`) reaches this host's charon, as on a real host: its pid file and
# control socket, which charon keeps in its own /run, are bound at /run/charon.pid and
# /run/charon.ctl there (empty files of those names in the machine's /run are the mount points).
ipsec_control() {
  local ns=$1 d=$2 action=$3 file
  mount_ns_file file "$ns"
  # shellcheck disable=SC2016 # expanded by the inner sh
  nsenter --net="/run/netns/$ns" --mount="$file" -- sh -c '
    for f in charon.pid charon.ctl; do
      while umount "/run/$f" 2>/dev/null; do :; done
      [ "$2" = bind ] || continue
      [ -e "/run/$f" ] || : >"/run/$f"
      mount --bind "$1/$f" "/run/$f" || exit 1
    done' sh "$d/ipsec/run" "$action"
}

cmd_ipsec() {
  [[ $# -eq 2 ]] || die "usage: lab.sh ipsec HOST start|stop"
  local name=$1 action=$2 ns d file i
  local -a pids=()
  require_host "$name"
  ns=$(host_ns "$name")
  d=$(host_dir "$name")
  mapfile -t pids < <(ipsec_pids "$d" "$ns")
  case $action in
    stop)
      ipsec_control "$ns" "$d" unbind
      kill_list TERM "${pids[@]}"
      wait_gone 100 "${pids[@]}" || kill_list KILL "${pids[@]}"
      rm -f "$d/ipsec/run/"*.pid "$d/ovs/ovs-monitor-ipsec.pid"
      return 0
      ;;
    start) ;;
    *) die "usage: lab.sh ipsec HOST start|stop" ;;
  esac
  ((${#pids[@]} == 0)) || die "IPsec of $name already runs (pids ${pids[*]})"
  [[ -x /usr/share/openvswitch/scripts/ovs-monitor-ipsec && -x /usr/sbin/ipsec ]] ||
    die "IPsec needs openvswitch-ipsec and strongSwan: apt-get install --no-install-recommends openvswitch-ipsec strongswan libstrongswan-standard-plugins"
  rm -rf "$d/ipsec"
  mkdir -p "$d/ipsec/run" "$d/ipsec/etc"
  cp -a /etc/strongswan.d "$d/ipsec/etc/strongswan.d"
  # charon's log in the host's folder: the lab's dump and a failing test show it.
  cat >"$d/ipsec/etc/strongswan.d/charon-logging.conf" <<EOF
charon {
  filelog {
    lab {
      path = $d/ipsec/charon.log
      time_format = %H:%M:%S
      default = 1
      ike = 2
      cfg = 1
    }
  }
}
EOF
  : >"$d/ipsec/etc/ipsec.conf"
  (umask 077 && : >"$d/ipsec/etc/ipsec.secrets")
  mount_ns_file file "$ns"
  # shellcheck disable=SC2016 # expanded by the inner sh
  nsenter --net="/run/netns/$ns" --mount="$file" -- unshare --mount --propagation private -- \
    env OVS_RUNDIR="$d/ovs" OVS_LOGDIR="$d/ovs" OVS_DBDIR="$d/ovs" sh -c '
      mount --bind "$1/run" /run && mount --bind "$1/etc/ipsec.conf" /etc/ipsec.conf &&
      mount --bind "$1/etc/ipsec.secrets" /etc/ipsec.secrets && mount --bind "$1/etc/strongswan.d" /etc/strongswan.d &&
      exec nice -n -10 /usr/share/openvswitch/scripts/ovs-monitor-ipsec --ike-daemon=strongswan \
        --pidfile="$2/ovs-monitor-ipsec.pid" --log-file="$2/ovs-monitor-ipsec.log" --detach "unix:$2/db.sock"' \
    sh "$d/ipsec" "$d/ovs" </dev/null >"$d/ipsec/start.log" 2>&1 || { cat "$d/ipsec/start.log" >&2; die "ovs-monitor-ipsec of $name did not start"; }
  for ((i = 0; i < 100 * LAB_SLOWDOWN; i++)); do
    if OVS_RUNDIR=$d/ovs ovs-appctl --timeout=5 -t ovs-monitor-ipsec version >/dev/null 2>&1 && [[ -s $d/ipsec/run/charon.pid && -S $d/ipsec/run/charon.ctl ]]; then
      ipsec_control "$ns" "$d" bind
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$d/ovs/ovs-monitor-ipsec.log" "$d/ipsec/charon.log" >&2 2>/dev/null || true
  die "IPsec of $name did not come up (ovs-monitor-ipsec answering and charon running) within $((10 * LAB_SLOWDOWN)) s"
}

# --- Docker ------------------------------------------------------------------

# nsenter, not `ip netns exec`: the latter remounts /sys and hides the cgroup
# mounts dockerd needs. Own cgroup parent per host so `down` finds containers.
start_dockerd() {
  local name=$1 ns d
  ns=$(host_ns "$name")
  d=$(host_dir "$name")
  mkdir -p "$d/docker/data" "$d/docker/exec" "$d/docker/tmp"
  printf '{}\n' >"$d/docker/daemon.json"
  # TMPDIR: dockerd SIGUSR1s a containerd it gives up on, which then dumps its
  # stacks to $TMPDIR/containerd.PID.stacks.log; keep that inside LAB_DIR.
  TMPDIR=$d/docker/tmp setsid nsenter --net="/run/netns/$ns" -- dockerd \
    --config-file "$d/docker/daemon.json" \
    --data-root "$d/docker/data" --exec-root "$d/docker/exec" \
    -H "unix://$d/docker.sock" --pidfile "$d/docker/docker.pid" \
    --containerd-namespace "$ns" --containerd-plugins-namespace "$ns-p" \
    --cgroup-parent "/$ns" --shutdown-timeout 2 \
    </dev/null >"$d/docker/dockerd.log" 2>&1 &
  printf '%s\n' "$!" >"$d/docker/launch.pid"
}

docker_in() {
  local name=$1; shift
  DOCKER_HOST="unix://$(host_dir "$name")/docker.sock" DOCKER_API_VERSION=$DOCKER_API \
    "$LAB_DOCKER_CLI" "$@"
}

wait_dockerd() {
  local name=$1 d pid i
  d=$(host_dir "$name")
  pid=$(<"$d/docker/launch.pid")
  for ((i = 0; i < 240 * LAB_SLOWDOWN; i++)); do
    if docker_in "$name" version >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$d/docker/dockerd.log" >&2
      die "dockerd of $name exited during start (log: $d/docker/dockerd.log)"
    fi
    sleep 0.25
  done
  die "dockerd of $name did not answer within $((60 * LAB_SLOWDOWN)) s (log: $d/docker/dockerd.log)"
}

import_image() {
  local name=$1 tar=$2
  docker_in "$name" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tar" "$IMAGE" >/dev/null
}

# --- subcommands -------------------------------------------------------------

cmd_up() {
  local spec=${1:-}
  [[ -f $spec ]] || die "usage: lab.sh up SPEC.json"
  require_tools
  local parsed kind a b c e f client=- idx=0 tar pid
  local -a names=() internals=() externals=() boots=() dockers=() plain=()
  parsed=$(parse_spec "$spec")
  while read -r kind a b c e f; do
    case $kind in
      prefix) set_prefix "$a" ;;
      client) client=$a ;;
      host) check_host_name "$a"; names+=("$a"); internals+=("$b"); externals+=("$c"); boots+=("$e"); dockers+=("$f") ;;
    esac
  done <<<"$parsed"
  for a in "${names[@]}"; do
    b=$(host_dir "$a")/docker/exec/containerd/containerd.sock.ttrpc
    ((${#b} <= 107)) || die "socket path too long (max 107 for unix sockets): $b; shorten LAB_DIR"
  done

  cmd_down "$PREFIX" >/dev/null
  mkdir -p "$LAB_DIR/bin"
  printf '%s\n' "$PREFIX" >"$LAB_DIR/.ringgen-lab"
  cp "$spec" "$LAB_DIR/spec.json"
  ln -s "$LAB_DOCKER_CLI" "$LAB_DIR/bin/docker"
  tar=$(image_tar)

  [[ " ${boots[*]} " != *" boot "* ]] || cmd_prepare_machine
  setup_fabric "$client"
  for idx in "${!names[@]}"; do
    mkdir -p "$(host_dir "${names[idx]}")"
    printf '%s\n' "${names[idx]}" >>"$LAB_DIR/hosts"
    printf '%s\n' "$((idx + 1))" >"$(host_dir "${names[idx]}")/idx"
    if [[ ${boots[idx]} == boot ]]; then
      setup_host_net "$((idx + 1))" "${names[idx]}" "${externals[idx]}" bare
      machine_create "${names[idx]}" "${internals[idx]}"
      continue
    fi
    plain+=("$idx")
    setup_host_net "$((idx + 1))" "${names[idx]}" "${externals[idx]}"
    # On a slow machine (LAB_SLOWDOWN > 1: the kernel lab's emulated VM) the dockerds start one
    # after the other, below: started at once, six of them gave up on their own containerd.
    ((LAB_SLOWDOWN > 1)) || [[ ${dockers[idx]} == nodocker ]] || start_dockerd "${names[idx]}"
  done
  local -a jobs=()
  for idx in "${!names[@]}"; do
    [[ ${boots[idx]} == boot ]] || continue
    cmd_boot "${names[idx]}" || die "booting ${names[idx]} failed; inspect $(machine_dir "${names[idx]}")/nspawn.log"
    in_machine "${names[idx]}" docker import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$IMAGE" <"$tar" >/dev/null || die "importing the image into ${names[idx]} failed"
  done
  for idx in "${plain[@]}"; do
    start_ovs "${names[idx]}" "${internals[idx]}" &
    jobs+=("$!")
  done
  for pid in "${jobs[@]}"; do
    wait "$pid" || die "starting Open vSwitch failed; inspect with 'lab.sh dump HOST', clean with 'lab.sh down $PREFIX'"
  done
  jobs=()
  local -a dockered=()
  for idx in "${plain[@]}"; do
    [[ ${dockers[idx]} == nodocker ]] || dockered+=("$idx")
  done
  if ((LAB_SLOWDOWN > 1)); then
    # A few at a time (LAB_DOCKERD_AT_ONCE, default 2): under emulation six at once gave up on
    # their own containerd; one at a time cost about 40 s each.
    local at_once=${LAB_DOCKERD_AT_ONCE:-2} i
    [[ $at_once =~ ^[1-9]$ ]] || die "LAB_DOCKERD_AT_ONCE must be 1-9, not '$at_once'"
    for ((i = 0; i < ${#dockered[@]}; i += at_once)); do
      for idx in "${dockered[@]:i:at_once}"; do start_dockerd "${names[idx]}"; done
      for idx in "${dockered[@]:i:at_once}"; do
        # Under emulation on a busy machine dockerd may give up on its own containerd (60 s); once
        # more, with the binaries' code warm by then.
        if ! (wait_dockerd "${names[idx]}"); then
          log "dockerd of ${names[idx]} failed to start; starting it once more"
          start_dockerd "${names[idx]}"
        fi
        wait_dockerd "${names[idx]}" || die "starting Docker failed; inspect with 'lab.sh dump HOST', clean with 'lab.sh down $PREFIX'"
      done
    done
  fi
  for idx in "${dockered[@]}"; do
    { wait_dockerd "${names[idx]}" && import_image "${names[idx]}" "$tar"; } &
    jobs+=("$!")
  done
  for pid in "${jobs[@]}"; do
    wait "$pid" || die "starting Docker failed; inspect with 'lab.sh dump HOST', clean with 'lab.sh down $PREFIX'"
  done
  log "lab '$PREFIX' up: ${names[*]} (LAB_DIR=$LAB_DIR)"
}

print_env() {
  local name=$1 d
  d=$(host_dir "$name")
  printf "export OVS_RUNDIR='%s' OVS_LOGDIR='%s' OVS_DBDIR='%s'\n" "$d/ovs" "$d/ovs" "$d/ovs"
  printf "export DOCKER_HOST='unix://%s/docker.sock' DOCKER_API_VERSION='%s'\n" "$d" "$DOCKER_API"
  printf "export PATH='%s/bin':\"\$PATH\"\n" "$LAB_DIR"
  printf "export LAB_HOST='%s' LAB_NETNS='%s'\n" "$name" "$(host_ns "$name")"
}

cmd_env() {
  [[ $# -eq 1 ]] || die "usage: lab.sh env HOST"
  require_host "$1"
  print_env "$1"
}

cmd_exec() {
  [[ $# -ge 2 ]] || die "usage: lab.sh exec HOST CMD..."
  local name=$1 d ns; shift
  require_host "$name"
  d=$LAB_DIR/$name
  ns=$PREFIX-$name
  if is_booted_host "$name"; then
    in_machine "$name" "$@"
    return
  fi
  export OVS_RUNDIR="$d/ovs" OVS_LOGDIR="$d/ovs" OVS_DBDIR="$d/ovs" \
    DOCKER_HOST="unix://$d/docker.sock" DOCKER_API_VERSION="$DOCKER_API" \
    PATH="$LAB_DIR/bin:$PATH" LAB_HOST="$name" LAB_NETNS="$ns"
  enter_ns "$ns" "$@"
}

# cexec HOST CONTAINER CMD...: CMD (a host tool: ping, ip, bash) in a container's network
# namespace. The container's pid is kept in LAB_DIR/HOST/cpid.CONTAINER with its id and used while
# /proc/PID/cgroup names that id (a restarted or recreated container has another pid): a `docker
# inspect` per call cost about a second in the kernel lab's emulated VM.
cmd_cexec() {
  [[ $# -ge 3 ]] || die "usage: lab.sh cexec HOST CONTAINER CMD..."
  local name=$1 c=$2 cache pid='' id='' cg='' file
  shift 2
  require_host "$name"
  [[ $c =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "bad container name '$c'"
  if is_booted_host "$name"; then
    pid=$(in_machine "$name" docker container inspect -f '{{.State.Pid}}' "$c") || die "no container '$c' on $name"
    in_machine "$name" nsenter -t "$pid" -n "$@"
    return
  fi
  cache=$LAB_DIR/$name/cpid.$c
  if [[ -f $cache ]]; then read -r pid id <"$cache" || true; fi
  if [[ -n $pid && -n $id ]]; then { IFS= read -r -d '' cg <"/proc/$pid/cgroup" || true; } 2>/dev/null; fi
  if [[ -z $id || $cg != *"$id"* ]]; then
    pid=$(docker_in "$name" container inspect -f '{{.State.Pid}} {{.Id}}' "$c") || die "no container '$c' on $name"
    read -r pid id <<<"$pid"
    [[ $pid =~ ^[1-9][0-9]*$ ]] || die "container '$c' on $name is not running"
    printf '%s %s\n' "$pid" "$id" >"$cache"
  fi
  mount_ns_file file "$PREFIX-$name"
  exec nsenter --net="/proc/$pid/ns/net" --mount="$file" --wd="$PWD" -- "$@"
}

cmd_client() {
  [[ $# -ge 1 ]] || die "usage: lab.sh client CMD..."
  ns_exists "$NS_CL" || die "lab '$PREFIX' has no client namespace"
  enter_ns "$NS_CL" "$@"
}

cmd_link() {
  local state=$1 name=${2:-}
  [[ -n $name ]] || die "usage: lab.sh cut|restore HOST"
  require_host "$name"
  ip -n "$NS_UL" link set "$(<"$(host_dir "$name")/ulif")" "$state"
}

cmd_dump() {
  [[ $# -eq 1 ]] || die "usage: lab.sh dump HOST"
  local name=$1 ns d
  require_host "$name"
  ns=$(host_ns "$name")
  d=$(host_dir "$name")
  section() { printf '\n===== %s: %s =====\n' "$name" "$*"; }
  if is_booted_host "$name"; then
    section systemctl --failed; in_machine "$name" systemctl --no-pager --failed || true
    section ovs-vsctl show;     in_machine "$name" ovs-vsctl --timeout=5 show || true
    section ip -d -br link;     ip -n "$ns" -d -br link || true
    section ip addr;            ip -n "$ns" addr || true
    section iptables-save;      in_machine "$name" iptables-save || true
    section docker ps -a;       in_machine "$name" docker ps -a || true
    section journal tail;       in_machine "$name" journalctl --no-pager -n 60 || true
    section underlay link;      ip -n "$NS_UL" -br link show "$(<"$d/ulif")" || true
    return 0
  fi
  section ovs-vsctl show;     OVS_RUNDIR=$d/ovs ovs-vsctl --timeout=5 show || true
  if [[ -d /sys/module/openvswitch ]]; then
    section ovs-dpctl show;   in_ns "$ns" ovs-dpctl show || true
  fi
  section ip -d -br link;     ip -n "$ns" -d -br link || true
  section ip -d link;         ip -n "$ns" -d link || true
  section ip addr;            ip -n "$ns" addr || true
  section ip route;           ip -n "$ns" route || true
  section iptables-save filter; in_ns "$ns" iptables-save -t filter || true
  section iptables-save nat;  in_ns "$ns" iptables-save -t nat || true
  section docker ps -a;       docker_in "$name" ps -a || true
  section RSTP ports;         OVS_RUNDIR=$d/ovs ovs-vsctl --timeout=5 --columns=name,rstp_status list port || true
  section BFD state;          OVS_RUNDIR=$d/ovs ovs-appctl --timeout=5 bfd/show 2>&1 | grep -E '^-|State|Diagnostic|Remote Session State' || true
  section MAC tables
  local br
  for br in $(OVS_RUNDIR=$d/ovs ovs-vsctl --timeout=5 list-br 2>/dev/null); do
    echo "-- $br"; OVS_RUNDIR=$d/ovs ovs-appctl --timeout=5 fdb/show "$br" 2>&1 | head -n 60 || true
  done
  section interfaces in a bridge
  ip -n "$ns" -o link show 2>/dev/null | sed -n 's/^[0-9]*: \([^:@]*\)[^ ]* .* master \([^ ]*\).*/\1 -> \2/p' | head -n 40 || true
  section BFD sessions that went down
  grep -h 'BFD state change: up->' "$d/ovs/ovs-vswitchd.log" | tail -n 20 || true
  section ovs-vswitchd.log tail; grep -v -e '^  ' -e '^$' "$d/ovs/ovs-vswitchd.log" | tail -n 30 || true
  if [[ -d $d/ipsec ]]; then
    section IPsec tunnels;    OVS_RUNDIR=$d/ovs ovs-appctl --timeout=5 -t ovs-monitor-ipsec tunnels/show 2>&1 | head -n 80 || true
    section ip xfrm state;    ip -n "$ns" xfrm state 2>&1 | head -n 60 || true
    section ip xfrm policy;   ip -n "$ns" xfrm policy 2>&1 | head -n 60 || true
    section charon.log tail;  tail -n 40 "$d/ipsec/charon.log" 2>/dev/null || true
    section ovs-monitor-ipsec.log tail; tail -n 20 "$d/ovs/ovs-monitor-ipsec.log" 2>/dev/null || true
  fi
  section underlay link;      ip -n "$NS_UL" -br link show "$(<"$d/ulif")" || true
}

# --- teardown ----------------------------------------------------------------

# PID from a pidfile, only if that process still runs one of this lab's daemons
# (its command line names LAB_DIR): guards against reused PIDs.
lab_pid() {
  local file=$1 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$LAB_DIR/" || return 1
  printf '%s\n' "$pid"
}

wait_gone() {
  local tries=$1 pid; shift
  for ((; tries > 0; tries--)); do
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && break; pid=; done
    [[ -z ${pid:-} ]] && return 0
    sleep 0.1
  done
  return 1
}

cgroup_pids() {
  local dir
  for dir in /sys/fs/cgroup/*/"$1"; do
    [[ -d $dir ]] && find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

kill_list() { local sig=$1 pid; shift; for pid in "$@"; do kill "-$sig" "$pid" 2>/dev/null || true; done; }

# Containers first (SIGKILL via their cgroup) so dockerd's shutdown is quick,
# then dockerd and OVS by pidfile (all at once), then anything left in the
# lab's namespaces.
stop_hosts() {
  local name ns d pid
  local -a pids=()
  for name in "$@"; do
    ns=$(host_ns "$name")
    mapfile -t pids < <(cgroup_pids "$ns")
    kill_list KILL "${pids[@]}"
  done
  pids=()
  for name in "$@"; do
    d=$(host_dir "$name")
    if pid=$(lab_pid "$d/docker/docker.pid") || pid=$(lab_pid "$d/docker/launch.pid"); then pids+=("$pid"); fi
    if pid=$(lab_pid "$d/ovs/ovs-vswitchd.pid"); then pids+=("$pid"); fi
    if pid=$(lab_pid "$d/ovs/ovsdb-server.pid"); then pids+=("$pid"); fi
    mapfile -t -O "${#pids[@]}" pids < <(ipsec_pids "$d" "$(host_ns "$name")")
  done
  kill_list TERM "${pids[@]}"
  wait_gone 150 "${pids[@]}" || kill_list KILL "${pids[@]}"
}

sweep_namespace_pids() {
  local ns
  local -a pids=()
  for ns in "$@"; do
    mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
    mapfile -t -O "${#pids[@]}" pids < <(cgroup_pids "$ns")
  done
  ((${#pids[@]})) || return 0
  kill_list TERM "${pids[@]}"
  wait_gone 30 "${pids[@]}" || kill_list KILL "${pids[@]}"
  wait_gone 30 "${pids[@]}" || log "warning: processes still alive: ${pids[*]}"
}

# Shim sockets containerd leaves in /run/containerd/s when killed: their name is
# sha256(<containerd address>/<namespace>/<container id>).
remove_shim_sockets() {
  local name=$1 ns d id sum
  ns=$(host_ns "$name")
  d=$(host_dir "$name")/docker
  for id in "$d"/data/containers/*; do
    [[ -d $id ]] || continue
    sum=$(printf '%s' "$d/exec/containerd/containerd.sock/$ns/${id##*/}" | sha256sum | cut -d' ' -f1)
    rm -f "/run/containerd/s/$sum"
  done
}

unmount_under() {
  local dir=$1 m
  [[ -d $dir ]] || return 0
  findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0 "/", d) == 1 { print length($0) " " $0 }' |
    sort -rn | cut -d' ' -f2- | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" || log "warning: cannot unmount $m"
    done
}

remove_cgroups() {
  local ns=$1 dir
  for dir in /sys/fs/cgroup/*/"$ns"; do
    [[ -d $dir ]] || continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || log "warning: cannot remove cgroup $dir"
  done
}

cmd_down() {
  set_prefix "${1:-${LAB_PREFIX:-rgl}}"
  local ns name
  local -a namespaces=() hosts=()
  mapfile -t namespaces < <(ip netns list | awk -v p="$PREFIX-" 'index($1, p) == 1 { print $1 }')
  for ns in "${namespaces[@]}"; do
    name=${ns#"$PREFIX"-}
    [[ $RESERVED_NAMES == *" $name "* ]] || hosts+=("$name")
  done
  if [[ -f $LAB_DIR/hosts ]]; then
    while read -r name; do
      [[ " ${hosts[*]} " == *" $name "* ]] || hosts+=("$name")
    done <"$LAB_DIR/hosts"
  fi
  stop_hosts "${hosts[@]}"
  for name in "${hosts[@]}"; do namespaces+=("$(host_ns "$name")"); done
  sweep_namespace_pids "${namespaces[@]}"
  for name in "${hosts[@]}"; do
    remove_shim_sockets "$name"
    remove_cgroups "$(host_ns "$name")"
  done
  unmount_under "$LAB_DIR"
  for ns in "${namespaces[@]}"; do
    if ns_exists "$ns"; then ip netns del "$ns"; fi
  done
  # Nothing is made in the root namespace, but a killed `ip link add` could leave one.
  ip -o link | awk -F': ' -v p="$PREFIX-" 'index($2, p) == 1 { sub(/@.*/, "", $2); print $2 }' |
    while read -r name; do ip link del "$name" 2>/dev/null || true; done
  if [[ -f $LAB_DIR/.ringgen-lab ]]; then
    rm -rf --one-file-system "$LAB_DIR"
  elif [[ -e $LAB_DIR ]]; then
    log "warning: $LAB_DIR has no .ringgen-lab marker; left in place"
  fi
  rmdir /tmp/ringgen-lab 2>/dev/null || true
  # The mount points of `lab.sh ipsec` (ipsec_control): empty files, never a running charon's.
  local point
  for point in /run/charon.pid /run/charon.ctl; do
    if [[ -f $point && ! -s $point ]]; then rm -f "$point"; fi
  done
  log "lab '$PREFIX' down"
}

require_tools() {
  local tool
  ((EUID == 0)) || die "must run as root"
  for tool in ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool dockerd iptables ethtool nsenter node; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
  done
  [[ -x $LAB_DOCKER_CLI ]] || die "missing Docker client $LAB_DOCKER_CLI"
}

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }

main() {
  LAB_CACHE=${LAB_CACHE:-/var/cache/ringgen-lab}
  LAB_DOCKER_CLI=${LAB_DOCKER_CLI:-/usr/bin/docker}
  LAB_DATAPATH=${LAB_DATAPATH:-netdev}
  LAB_SLOWDOWN=${LAB_SLOWDOWN:-1}
  [[ $LAB_SLOWDOWN =~ ^[1-9][0-9]?$ ]] || die "LAB_SLOWDOWN must be a whole number 1-99, not '$LAB_SLOWDOWN'"
  [[ $LAB_DATAPATH == netdev || $LAB_DATAPATH == system ]] || die "LAB_DATAPATH must be netdev or system, not '$LAB_DATAPATH'"
  local cmd=${1:-help}
  (($#)) && shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    env) set_prefix "${LAB_PREFIX:-rgl}"; cmd_env "$@" ;;
    exec) set_prefix "${LAB_PREFIX:-rgl}"; cmd_exec "$@" ;;
    cexec) set_prefix "${LAB_PREFIX:-rgl}"; cmd_cexec "$@" ;;
    client) set_prefix "${LAB_PREFIX:-rgl}"; cmd_client "$@" ;;
    cut) set_prefix "${LAB_PREFIX:-rgl}"; cmd_link down "$@" ;;
    restore) set_prefix "${LAB_PREFIX:-rgl}"; cmd_link up "$@" ;;
    dump) set_prefix "${LAB_PREFIX:-rgl}"; cmd_dump "$@" ;;
    ipsec) set_prefix "${LAB_PREFIX:-rgl}"; cmd_ipsec "$@" ;;
    boot) set_prefix "${LAB_PREFIX:-rgl}"; cmd_boot "$@" ;;
    poweroff) set_prefix "${LAB_PREFIX:-rgl}"; cmd_poweroff "$@" ;;
    reboot) set_prefix "${LAB_PREFIX:-rgl}"; cmd_reboot "$@" ;;
    prepare-machine) cmd_prepare_machine ;;
    help | -h | --help) usage ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
