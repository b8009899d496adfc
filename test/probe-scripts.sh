#!/usr/bin/env bash
# Used by test/generative.test.ts: sources each host's up.sh and check.sh (given as host folders)
# in a subshell, with stubs in place of every command and helper that acts, and prints the
# arguments the scripts would use, one record per call (fields end in \x1f, records in \x1e).
# shellcheck disable=SC2317 # the stubs are called by the sourced scripts
exec 3>&1 1>/dev/null
rec() { printf '%s\x1f' "$@" >&3; printf '\x1e' >&3; }
for dir in "$@"; do
  host=${dir##*/}
  (
    src=$(<"$dir/up.sh")
    [[ $src == *$'\nmain "$@"' ]] || { rec error "$host" 'up.sh does not end in main'; exit 0; }
    eval "${src%'main "$@"'}"
    log() { :; }
    die() { rec die "$host" "$*"; }
    require_tools() { :; }
    start_ovs() { :; }
    ip() { :; }
    link_exists() { return 1; }
    ethtool() { :; }
    sysctl() { :; }
    ovs_get() { :; }
    ovs-vsctl() { [ "$1" != br-exists ] || return 1; rec ovs "$host" "$@"; }
    prune_ovs() { :; }
    prune_links() { rec links "$host" "$@"; }
    apply_rules() { :; }
    ensure_linux_bridge() { rec bridge "$host" "$@"; }
    ensure_uplink() { rec uplink "$host" "$@"; }
    ensure_tunnel() { rec tunnel "$host" "$@"; }
    attach() { rec attach "$host" "$@"; }
    docker() { if [ "$1" = create ]; then rec create "$host" "$@"; fi; [ "$1 $2" != 'container inspect' ]; }
    network_up
    for ((i = 0; i < CONTAINER_COUNT; i++)); do (container_up "$i") 2>/dev/null || rec error "$host" "container_up $i failed"; done
    for name in "${DESIRED_CONTAINERS[@]}"; do rec desired "$host" "$name"; done
  ) || rec error "$host" 'up.sh failed'
  (
    src=$(<"$dir/check.sh")
    eval "${src%'main "$@"'}"
    check_ovs() { :; }
    check_upcalls() { :; }
    check_rules() { :; }
    check_tunnel() { rec ctunnel "$host" "$@"; }
    check_peer() { rec cpeer "$host" "$@"; }
    check_bridge() { rec cbridge "$host" "$@"; }
    check_container() { rec ccontainer "$host" "$@"; }
    main
  ) || rec error "$host" 'check.sh failed'
done
