#!/usr/bin/env bash
# Used by test/foreign.test.ts, sourced inside a fresh network namespace (with its own /sys): the
# generated scripts run there against the real ip, iptables and nsenter, with Open vSwitch, Docker
# and systemd faked by the functions below. Every call of a fake is appended to $CALLS.
# The fakes are exported functions, so the scripts run as files, unchanged.
#   $OVS_DB   the fake OVS database, one record a line: "bridge NAME OWNER" or
#             "port NAME BRIDGE OWNER" (OWNER: the ring in external_ids:ringgen-ring, or -)
#   $DOCKER_INSPECT  what `docker container inspect -f ...` prints (e.g. "PID RING")
# shellcheck disable=SC2317 # the fakes are called by the scripts run_script loads
: "${CALLS:?}" "${OVS_DB:?}"

ovs-vsctl() {
  # The scripts' time limit (--timeout=120 first) is left out of the record.
  case "${1:-}" in --timeout=*) shift ;; esac
  echo "ovs-vsctl $*" >>"$CALLS"
  local args=() a
  for a in "$@"; do
    case "$a" in --timeout=* | --if-exists | --may-exist | --bare | --columns=* | --no-wait) ;; *) args+=("$a") ;; esac
  done
  set -- "${args[@]}"
  case "$1" in
  show) return 0 ;;
  br-exists) grep -q "^bridge $2 " "$OVS_DB" ;;
  port-to-br) awk -v p="$2" '$1 == "port" && $2 == p { print $3; f = 1 } END { exit !f }' "$OVS_DB" ;;
  list-ports) awk -v b="$2" '$1 == "port" && $3 == b { print $2 }' "$OVS_DB" ;;
  get)
    [ "$4" = external_ids:ringgen-ring ] || return 0
    awk -v t="$2" -v n="$3" '$1 == t && $2 == n && $NF != "-" { print $NF }' "$OVS_DB"
    ;;
  find) awk -v t="$2" -v r="${3#external_ids:ringgen-ring=}" '$1 == t && $NF == r { print $2 }' "$OVS_DB" ;;
  *) return 0 ;;
  esac
}

docker() {
  echo "docker $*" >>"$CALLS"
  case "$1" in
  container) [ "$2" = inspect ] && printf '%s\n' "${DOCKER_INSPECT:-}" ;;
  info) return 0 ;;
  *) return 0 ;;
  esac
}

systemctl() { echo "systemctl $*" >>"$CALLS"; return 1; }

export -f ovs-vsctl docker systemctl

# The fakes are also commands on PATH: the scripts wrap ovs-vsctl, docker and iptables in time
# limits where the tool is installed (`command ovs-vsctl`, `timeout ... docker`), which bypasses a
# function; each command below holds the fake of its name.
STUB_BIN=$(dirname "$CALLS")/stub-bin
mkdir -p "$STUB_BIN"
for tool in ovs-vsctl docker systemctl; do
  # The fake's own definition, not the exported name: a script may redefine the name (its
  # time-limit wrapper), and a redefined exported function stays exported.
  printf '#!/usr/bin/env bash\n%s\n%s "$@"\n' "$(declare -f "$tool")" "$tool" >"$STUB_BIN/$tool"
  chmod +x "$STUB_BIN/$tool"
done
PATH=$STUB_BIN:$PATH
export PATH

# run_script FILE ARGS...: runs a generated script as a host would (the fakes are exported).
run_script() { bash "$@"; }

# One line per interface: name, alias (or -), master (or -), state (UP/DOWN).
links() {
  local path name alias master
  for path in /sys/class/net/*; do
    name=${path##*/}
    alias=$(cat "$path/ifalias" 2>/dev/null)
    master=$(readlink "$path/master" 2>/dev/null)
    master=${master##*/}
    printf '%s %s %s %s\n' "$name" "${alias:--}" "${master:--}" \
      "$(ip -o link show dev "$name" | grep -q '[<,]UP[,>]' && echo UP || echo DOWN)"
  done
}
