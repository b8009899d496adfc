# shellcheck shell=bash
# check.sh's checks: the OVS bridge and spanning tree, the kernel datapath's upcalls, each tunnel
# (BFD, spanning tree role), each peer, bridge and container, the iptables chains. ringgen copies
# it verbatim into each host's check.sh, after common.sh. It reads the host's data block:
# DATAPATH, BFD_INTERVAL, IPSEC, CHAIN_FWD, TUNNELS and BRIDGES (see up.sh), CONTAINERS ("name
# bridge address").
# shellcheck disable=SC2154 # the host's data block defines those

JSON=0
FAILED=0
RESULTS=()

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# Records one check: NAME OK(0/1) DETAIL.
report() {
  local name=$1 ok=$2 detail=$3
  [ "$ok" -eq 0 ] || FAILED=1
  if [ "$JSON" -eq 1 ]; then
    RESULTS+=("{\"check\":$(json_string "$name"),\"ok\":$([ "$ok" -eq 0 ] && echo true || echo false),\"detail\":$(json_string "$detail")}")
  else
    printf '%-4s %-28s %s\n' "$([ "$ok" -eq 0 ] && echo ok || echo FAIL)" "$name" "$detail"
  fi
}

check_ovs() {
  if ! ovs-vsctl --timeout=5 br-exists "$OVS_BRIDGE" 2>/dev/null; then
    report "ovs-bridge $OVS_BRIDGE" 1 "missing (is Open vSwitch running? has up.sh run?)"
    return
  fi
  local stp
  stp="stp=$(ovs_get bridge "$OVS_BRIDGE" stp_enable) rstp=$(ovs_get bridge "$OVS_BRIDGE" rstp_enable)"
  report "ovs-bridge $OVS_BRIDGE" 0 "$stp"
}

# A tunnel is healthy when its port exists, BFD (if on) is up, and spanning tree gives it a role.
check_tunnel() {
  local name=$1 peer=$2 remote=$3 blocked=$4 role state detail ok=0
  if ! ovs-vsctl --timeout=5 port-to-br "$name" >/dev/null 2>&1; then
    report "tunnel $name" 1 "missing (to $peer $remote)"
    return
  fi
  role=$(ovs_get port "$name" rstp_status:rstp_port_role)
  state=$(ovs_get port "$name" rstp_status:rstp_port_state)
  [ -n "$state" ] || state=$(ovs_get port "$name" status:stp_state)
  detail="to $peer $remote"
  if [ -n "$BFD_INTERVAL" ]; then
    local bfd
    bfd=$(ovs_get interface "$name" bfd_status:state)
    [ "$bfd" = up ] || ok=1
    detail="$detail bfd=${bfd:-none}"
  fi
  detail="$detail role=${role:--} state=${state:--}"
  [ "$blocked" = yes ] && detail="$detail (expected blocked)"
  report "tunnel $name" "$ok" "$detail"
}

# IPsec: Open vSwitch's monitor, which hands the tunnels to strongSwan, is running.
check_ipsec_monitor() {
  if ovs-appctl --timeout=5 -t ovs-monitor-ipsec version >/dev/null 2>&1; then
    report "ipsec" 0 "$IPSEC, ovs-monitor-ipsec running"
  else
    report "ipsec" 1 "ovs-monitor-ipsec is not running, so no tunnel gets a security association (systemctl start openvswitch-ipsec)"
  fi
}

# IPsec: the kernel holds a security association each way between this host and the tunnel's peer
# (with an SPI: the SPI 0 entries are the kernel's requests for one, while IKE has none yet).
check_ipsec_tunnel() {
  local name=$1 peer=$2 remote=$3 in out lack=''
  in=$(ip xfrm state list src "$remote" dst "$INTERNAL_IP" proto esp 2>/dev/null | grep -c 'proto esp spi 0x0*[1-9a-f]') || in=0
  out=$(ip xfrm state list src "$INTERNAL_IP" dst "$remote" proto esp 2>/dev/null | grep -c 'proto esp spi 0x0*[1-9a-f]') || out=0
  if [ "$in" -gt 0 ] && [ "$out" -gt 0 ]; then
    report "ipsec $name" 0 "to $peer $remote: security associations in and out"
    return
  fi
  [ "$in" -gt 0 ] || lack="from $peer"
  [ "$out" -gt 0 ] || lack="${lack:+$lack and }to $peer"
  report "ipsec $name" 1 "no security association $lack ($remote): IKE with $peer has not succeeded (a different key or an unaccepted certificate on one of the two hosts, or $peer down); see ovs-appctl -t ovs-monitor-ipsec tunnels/show and strongSwan's log"
}

check_peer() {
  local name=$1 ip=$2
  if ping -c 1 -W 1 "$ip" >/dev/null 2>&1; then
    report "peer $name" 0 "$ip reachable"
  else
    report "peer $name" 1 "$ip unreachable"
  fi
}

check_bridge() {
  local name=$1 addr=$2
  if ip -o -4 addr show dev "$name" 2>/dev/null | grep -qF " $addr/"; then
    report "bridge $name" 0 "$addr"
  else
    report "bridge $name" 1 "missing or without $addr"
  fi
}

check_container() {
  local name=$1 ip=$2 pid
  pid=$(container_pid "$name")
  if [ "${pid:-0}" -le 0 ]; then
    report "container $name" 1 "not running"
  elif nsenter -t "$pid" -n ip -o -4 addr show dev eth1 2>/dev/null | grep -qF " $ip/"; then
    report "container $name" 0 "running, eth1 $ip"
  else
    report "container $name" 1 "running, but eth1 does not have $ip"
  fi
}

# The kernel datapath hands the first packet of every new flow to ovs-vswitchd's handler threads
# (an upcall). Open vSwitch 3.1.0 started within 10 s of boot counts 0 CPUs and starts no handler
# (the log says "Overriding n-handler-threads to 0"; fixed in 3.1.1): every upcall is lost and
# nothing new forwards until ovs-vswitchd restarts.
check_upcalls() {
  local pid='' handlers=0 comm stats missed=0 lost=0
  pid=$(read_bounded "${OVS_RUNDIR:-/var/run/openvswitch}/ovs-vswitchd.pid" 32 2>/dev/null) || pid=''
  if [ -n "$pid" ] && [ -d "/proc/$pid/task" ]; then
    for comm in /proc/"$pid"/task/*/comm; do
      case $(read_bounded "$comm" 64 2>/dev/null) in handler*) handlers=$((handlers + 1)) ;; esac
    done
  fi
  stats=$(ovs-appctl --timeout=5 dpctl/show 2>/dev/null | sed -n 's/.*lookups: hit:[0-9]* missed:\([0-9]*\) lost:\([0-9]*\).*/\1 \2/p' | head -n 1)
  if [ -n "$stats" ]; then read -r missed lost <<<"$stats"; fi
  if [ -n "$pid" ] && [ -d "/proc/$pid/task" ] && [ "$handlers" -eq 0 ]; then
    report "upcalls" 1 "ovs-vswitchd has no upcall handler thread: every new flow is lost (lost $lost of $missed); Open vSwitch 3.1.0 started within 10 s of boot does this, restart ovs-vswitchd"
  elif [ "$missed" -gt 0 ] && [ "$lost" -ge "$missed" ]; then
    report "upcalls" 1 "the datapath lost every upcall ($lost of $missed): nothing new forwards; restart ovs-vswitchd"
  else
    report "upcalls" 0 "$handlers handler thread(s), lost $lost of $missed"
  fi
}

check_rules() {
  if iptables -w -n -L "$CHAIN_FWD" >/dev/null 2>&1 && iptables -w -C FORWARD -j "$CHAIN_FWD" 2>/dev/null; then
    report "iptables" 0 "chains in place"
  else
    report "iptables" 1 "ringgen's chains or jumps are missing"
  fi
}

main() {
  case "${1:-}" in
  --json) JSON=1 ;;
  -h | --help) usage; return 0 ;;
  '') ;;
  *) die "unknown argument: $1" ;;
  esac
  local row name peer remote blocked address
  local -A seen=()
  check_ovs
  if [ "$DATAPATH" != netdev ]; then check_upcalls; fi
  for row in ${TUNNELS[@]+"${TUNNELS[@]}"}; do
    read -r name peer remote _ _ blocked <<<"$row"
    check_tunnel "$name" "$peer" "$remote" "$blocked"
  done
  if [ -n "$IPSEC" ]; then
    check_ipsec_monitor
    for row in ${TUNNELS[@]+"${TUNNELS[@]}"}; do
      read -r name peer remote _ <<<"$row"
      check_ipsec_tunnel "$name" "$peer" "$remote"
    done
  fi
  # Each peer once, at the address of its first tunnel.
  for row in ${TUNNELS[@]+"${TUNNELS[@]}"}; do
    read -r _ peer remote _ <<<"$row"
    [ -z "${seen[$remote]:-}" ] || continue
    seen[$remote]=1
    check_peer "$peer" "$remote"
  done
  for row in ${BRIDGES[@]+"${BRIDGES[@]}"}; do
    read -r name address _ <<<"$row"
    check_bridge "$name" "$address"
  done
  for row in ${CONTAINERS[@]+"${CONTAINERS[@]}"}; do
    read -r name _ address <<<"$row"
    check_container "$name" "$address"
  done
  check_rules
  if [ "$JSON" -eq 1 ]; then
    local IFS=,
    printf '{"ring":%s,"host":%s,"healthy":%s,"checks":[%s]}\n' "$(json_string "$RING")" "$(json_string "$HOST")" \
      "$([ "$FAILED" -eq 0 ] && echo true || echo false)" "${RESULTS[*]:-}"
  fi
  return "$FAILED"
}

