# shellcheck shell=bash
# What up.sh and down.sh share: the marks of what ringgen made on this host, and removing what
# carries the mark. Reads RING, OWNER, STATE_DIR and SCRIPT_DIR (the data block, common.sh).
# shellcheck disable=SC2154 # defined by the data block and common.sh
# What ringgen made for this ring carries its mark: OVS external_ids, an interface alias, a
# Docker label. Nothing without the mark is changed or removed: a thing of the name ringgen wants
# that lacks it is refused, saying what to rename. The prune_* functions remove the marked things,
# except those named as arguments.

# True when interface NAME is absent or carries ringgen's alias for this ring; otherwise says so
# (with HINT: what to rename) and returns 1.
link_free_or_ours() {
  local name=$1 hint=$2 alias
  link_exists "$name" || return 0
  alias=$(link_owner "$name")
  [ "$alias" = "$OWNER" ] && return 0
  log "error: interface $name exists on this host but ringgen did not make it for ring $RING (its alias is '$alias', not '$OWNER'); $hint"
  return 1
}

# True when OVS has no port NAME or ringgen made it for this ring (external_ids); otherwise says so
# (with HINT) and returns 1.
port_free_or_ours() {
  local name=$1 hint=$2 bridge
  bridge=$(ovs-vsctl --timeout=5 port-to-br "$name" 2>/dev/null) || return 0
  [ "$(ovs_get port "$name" external_ids:ringgen-ring)" = "$RING" ] && return 0
  log "error: OVS port $name exists on bridge $bridge but ringgen did not make it for ring $RING (no external_ids:ringgen-ring=$RING); $hint"
  return 1
}

# True when iptables chain CHAIN of TABLE is absent, or ringgen's for this ring: its first rule is
# the comment rule naming $OWNER that iptables.rules puts first in each chain. The previous
# version's chains have no such rule: one without any comment is taken for ringgen's while the
# state folder says the previous version ran here (file unmarked-chains). Otherwise says so and
# returns 1.
chain_free_or_ours() {
  local table=$1 chain=$2 rules first
  rules=$(iptables -w -t "$table" -S "$chain" 2>/dev/null) || return 0
  # `-S CHAIN` prints the chain's declaration first; without it, there is no such chain.
  [ "${rules%%$'\n'*}" = "-N $chain" ] || return 0
  first=''
  if [[ $rules == *$'\n'* ]]; then
    first=${rules#*$'\n'}
    first=${first%%$'\n'*}
  fi
  case "$first" in "-A $chain -m comment --comment \"$OWNER\"" | "-A $chain -m comment --comment $OWNER") return 0 ;; esac
  if [ -e "$STATE_DIR/unmarked-chains" ] && [[ $rules != *' --comment '* ]]; then return 0; fi
  log "error: iptables chain $chain (table $table) exists on this host but ringgen did not make it for ring $RING (its first rule is not the comment \"$OWNER\"); rename the ring, or the chain on the host (iptables -t $table -E $chain NEW, after changing the rules that jump to it)"
  return 1
}

# OVS ports of BRIDGE that ringgen did not make for this ring, one per line.
foreign_ports() {
  local port
  for port in $(ovs-vsctl --timeout=5 list-ports "$1" 2>/dev/null); do
    [ "$(ovs_get port "$port" external_ids:ringgen-ring)" = "$RING" ] || printf '%s\n' "$port"
  done
}

# prune_ovs KEEP_BRIDGE [KEEP_PORT...]: a bridge of ringgen's kept because it holds ports someone
# else added sets KEPT (down.sh then exits 3).
KEPT=''
prune_ovs() {
  local keep_bridge=$1 br port foreign
  shift
  for port in $(ovs-vsctl --bare --columns=name find port "external_ids:ringgen-ring=$RING"); do
    in_list "$port" "$@" && continue
    log "removing OVS port $port"
    ovs-vsctl --if-exists del-port "$port"
  done
  for br in $(ovs-vsctl --bare --columns=name find bridge "external_ids:ringgen-ring=$RING"); do
    [ "$br" = "$keep_bridge" ] && continue
    # Removing a bridge removes every port on it: one someone added by hand keeps the bridge.
    foreign=$(foreign_ports "$br")
    if [ -n "$foreign" ]; then
      log "keeping OVS bridge $br: it holds ports ringgen did not make (${foreign//$'\n'/ }); move or remove them (ovs-vsctl del-port) and run this again"
      KEPT="$KEPT OVS bridge $br"
      continue
    fi
    log "removing OVS bridge $br"
    ovs-vsctl --if-exists del-br "$br"
  done
}

# prune_links [KEEP...]
prune_links() {
  local path name
  for path in /sys/class/net/*; do
    name=${path##*/}
    [ "$(link_owner "$name")" = "$OWNER" ] || continue
    in_list "$name" "$@" && continue
    log "removing interface $name"
    ip link del dev "$name" 2>/dev/null || true
  done
}

# prune_containers [KEEP...]: volumes are never removed.
prune_containers() {
  local name
  for name in $(docker ps -a --filter "label=ringgen.ring=$RING" --format '{{.Names}}'); do
    in_list "$name" "$@" && continue
    log "removing container $name (volumes are kept)"
    docker rm -f "$name" >/dev/null
  done
}

# Stops the watcher up.sh started in the background (where systemd runs it, its unit does). The pid
# file holds the watcher's pid, then the up.sh it runs: only a process whose whole command line
# (/proc/PID/cmdline, word by word) is `bash UP.SH watch` is stopped, never a pid the kernel has
# given to another process since, nor another ring's watcher. A pid file of the previous version
# has no second line: the watcher is then the one this folder's up.sh starts.
stop_watcher() {
  local pid='' script='' argv=()
  { IFS= read -r pid && IFS= read -r script; } < <(read_bounded "$STATE_DIR/watch.pid" 4096 2>/dev/null || true) || true
  [ -n "$script" ] || script="$SCRIPT_DIR/up.sh"
  if [[ $pid =~ ^[0-9]+$ ]]; then mapfile -d '' -t argv < <(read_bounded "/proc/$pid/cmdline" 8192 2>/dev/null || true); fi
  if [ "${#argv[@]}" -eq 3 ] && [ "${argv[0]}" = bash ] && [ "${argv[1]}" = "$script" ] && [ "${argv[2]}" = watch ]; then
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  elif [ "${#argv[@]}" -gt 0 ]; then
    log "not stopping process $pid of $STATE_DIR/watch.pid: it is not ring $RING's watcher (bash $script watch)"
  fi
  rm -f "$STATE_DIR/watch.pid"
}

# Open vSwitch's host-wide IPsec settings (certificate mode), when this ring set them, and the link
# to the ring's CA in strongSwan's CA folder; another ring's or the operator's are left. The tunnels go with the OVS bridge, and with them the IPsec
# connections Open vSwitch's monitor made for them; strongSwan and the monitor stay, as Open
# vSwitch does, and the operator's own IPsec with them.
remove_ipsec_config() {
  local link
  link=$(ipsec_ca_link)
  if [ -L "$link" ]; then
    rm -f -- "$link"
    reread_ipsec_cas
  fi
  [ "$(ovs_get open_vswitch . external_ids:ringgen-ipsec)" = "$RING" ] || return 0
  ovs-vsctl remove open_vswitch . other_config certificate private_key ca_cert -- remove open_vswitch . external_ids ringgen-ipsec
}

# Where up.sh links the ring's CA certificate for strongSwan (certificate mode): ringgen's name
# for this ring in strongSwan's cacerts folder.
ipsec_ca_link() { printf '%s/cacerts/ringgen-%s.pem' "${RINGGEN_IPSEC_D:-/etc/ipsec.d}" "$RING"; }

# strongSwan reads its CA folder again (when it runs; it reads the folder when it starts).
reread_ipsec_cas() {
  command -v ipsec >/dev/null 2>&1 || return 0
  ipsec rereadcacerts >/dev/null 2>&1 ||
    log "warning: strongSwan did not read its CA certificates again (ipsec rereadcacerts): if the tunnels stay down, restart it (systemctl restart openvswitch-ipsec)"
}
