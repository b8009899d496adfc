# shellcheck shell=bash
# down.sh's steps: stop the watcher, remove the containers ringgen created (never their volumes),
# ringgen's iptables chains, OVS bridge and ports, Linux bridges and veths. ringgen copies it
# verbatim into each host's down.sh, after common.sh and owned.sh. It reads the host's data
# block: CHAIN_FWD CHAIN_IN CHAIN_TX CHAIN_PRE CHAIN_OUT CHAIN_POST, UNIT_ATTACH.
# shellcheck disable=SC2154 # the host's data block defines those

# down.sh keeps nothing of what ringgen made (guarded: "${KEEP_NOTHING[@]}" alone is an unbound
# variable to bash before 4.4 under set -u).
readonly KEEP_NOTHING=()
# remove_chain TABLE CHAIN BUILTIN...: the jumps to CHAIN from the built-in chains, then CHAIN, when
# it is ringgen's (its mark); a chain of its name that is not is left with the jumps to it.
remove_chain() {
  local table=$1 chain=$2 from
  shift 2
  iptables -w -t "$table" -n -L "$chain" >/dev/null 2>&1 || return 0
  if ! chain_free_or_ours "$table" "$chain" 2>/dev/null; then
    log "leaving iptables chain $chain (table $table): ringgen did not make it for ring $RING (its first rule is not the comment \"$OWNER\")"
    return 0
  fi
  for from in "$@"; do
    while iptables -w -t "$table" -D "$from" -j "$chain" 2>/dev/null; do :; done
  done
  iptables -w -t "$table" -F "$chain"
  iptables -w -t "$table" -X "$chain"
}

remove_rules() {
  command -v iptables >/dev/null 2>&1 || return 0
  remove_chain filter "$CHAIN_FWD" FORWARD DOCKER-USER
  remove_chain filter "$CHAIN_IN" INPUT
  remove_chain filter "$CHAIN_TX" OUTPUT
  remove_chain nat "$CHAIN_PRE" PREROUTING
  remove_chain nat "$CHAIN_OUT" OUTPUT
  remove_chain nat "$CHAIN_POST" POSTROUTING
  rm -f "$STATE_DIR/unmarked-chains"
}

main() {
  case "${1:-}" in
  -h | --help) usage; return 0 ;;
  '') ;;
  *) die "unknown argument: $1" ;;
  esac
  require_root
  require_identity
  take_lock
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$UNIT_ATTACH" 2>/dev/null; then
    systemctl stop "$UNIT_ATTACH" || true
  fi
  stop_watcher
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    prune_containers ${KEEP_NOTHING[@]+"${KEEP_NOTHING[@]}"}
  fi
  remove_rules
  if command -v ovs-vsctl >/dev/null 2>&1 && ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
    prune_ovs '' ${KEEP_NOTHING[@]+"${KEEP_NOTHING[@]}"}
    remove_ipsec_config
  fi
  prune_links ${KEEP_NOTHING[@]+"${KEEP_NOTHING[@]}"}
  rm -f "$STATE_DIR/watch.log"
  if [ -n "$KEPT" ]; then
    log "ring $RING removed from this host, except what it kept:$KEPT (see above)"
    exit 3
  fi
  log "ring $RING removed from this host"
}

