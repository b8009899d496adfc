# shellcheck shell=bash
# up.sh's steps: start Open vSwitch, converge the OVS bridge, the Linux bridges and their uplinks,
# the tunnels and the iptables rules (network_up); create, start and attach the containers
# (containers_up); the watcher that re-attaches them and follows spanning tree. ringgen copies it
# verbatim into each host's up.sh, after common.sh and owned.sh. It reads the host's data block:
#   scalars  STP (stp, rstp or off), DATAPATH (system or netdev), BFD_INTERVAL (ms; empty: off),
#            TUNNEL_VNI (VXLAN; empty for GRE), OVERLAY_MTU, IP_FORWARD (1: needs forwarding),
#            TIMER_MAX_AGE, TIMER_FORWARD_DELAY (set when they need an ordered change),
#            CHAIN_FWD CHAIN_IN CHAIN_TX CHAIN_PRE CHAIN_OUT CHAIN_POST, UNIT_ATTACH, CONTAINER_COUNT,
#            IPSEC (psk, cert, or empty: off) with IPSEC_PSK_FILE, or IPSEC_CA IPSEC_CERT IPSEC_KEY
#   arrays   OVS_BRIDGE_SETTINGS (after `set bridge BRIDGE`), TUNNELS ("name peer remote kind cost
#            blocked"), BRIDGES ("name address prefix mac vlan uplink-linux uplink-ovs"), and per
#            container C<I> and C<I>_CREATE (container_fields)
# shellcheck disable=SC2154,SC2153 # the host's data block defines those

# The fields of container I: C<I>=(name bridge ip prefix mac mtu host-veth temp-veth gateway hash
# env-file), and its `docker create` arguments C<I>_CREATE.
container_fields() {
  local ref="C$1[@]"
  FIELDS=("${!ref}")
}

# The names of what this host should have; anything else of ringgen's is removed.
DESIRED_LINKS=()
DESIRED_PORTS=()
DESIRED_CONTAINERS=()
TUNNEL_NAMES=()
declare -A CONTAINER_INDEX=()
desired() {
  local row name uplink_linux uplink_ovs i FIELDS
  for row in ${BRIDGES[@]+"${BRIDGES[@]}"}; do
    read -r name _ _ _ _ uplink_linux uplink_ovs <<<"$row"
    DESIRED_LINKS+=("$name" "$uplink_linux" "$uplink_ovs")
    DESIRED_PORTS+=("$uplink_ovs")
  done
  for row in ${TUNNELS[@]+"${TUNNELS[@]}"}; do
    read -r name _ <<<"$row"
    TUNNEL_NAMES+=("$name")
    DESIRED_PORTS+=("$name")
  done
  for ((i = 0; i < CONTAINER_COUNT; i++)); do
    container_fields "$i"
    DESIRED_CONTAINERS+=("${FIELDS[0]}")
    DESIRED_LINKS+=("${FIELDS[6]}")
    CONTAINER_INDEX[${FIELDS[0]}]=$i
  done
}

# The `ovs-vsctl` arguments after `--may-exist add-port BRIDGE NAME` of tunnel NAME to host PEER
# at REMOTE (KIND gre or vxlan, spanning tree path COST), into SETTINGS: OVS maps with their keys
# sorted. The values are names, addresses and numbers, which the renderer checks, and the
# pre-shared key PSK, which read_psk checks: nothing in them needs escaping. With IPsec the tunnel
# carries the key, or the name its peer's certificate must have (the peer's host name).
tunnel_settings() {
  local name=$1 peer=$2 remote=$3 kind=$4 cost=$5 options bfd other psk='' name_of_peer=''
  [ "$IPSEC" != psk ] || psk=",\"psk\"=\"$PSK\""
  [ "$IPSEC" != cert ] || name_of_peer=",\"remote_name\"=\"$peer\""
  options="\"remote_ip\"=\"$remote\"$name_of_peer"
  [ -z "$TUNNEL_VNI" ] || options="\"key\"=\"$TUNNEL_VNI\"$psk,$options"
  [ -n "$TUNNEL_VNI" ] || options="${psk#,}${psk:+,}$options"
  options="{$options}"
  bfd='{"enable"="false"}'
  [ -z "$BFD_INTERVAL" ] || bfd="{\"decay_min_rx\"=\"0\",\"enable\"=\"true\",\"min_rx\"=\"$BFD_INTERVAL\",\"min_tx\"=\"$BFD_INTERVAL\"}"
  case "$STP" in
  stp) other="{\"stp-path-cost\"=\"$cost\"}" ;;
  rstp) other="{\"rstp-path-cost\"=\"$cost\",\"rstp-port-admin-edge\"=\"false\",\"rstp-port-auto-edge\"=\"false\"}" ;;
  *) other='{}' ;;
  esac
  SETTINGS=(-- set interface "$name" "type=$kind" "options=$options" "bfd=$bfd"
    -- set port "$name" "other_config=$other" "external_ids={\"ringgen-ring\"=\"$RING\"}")
}

# The arguments after `add-port BRIDGE PORT` of the uplink PORT of a bridge on VLAN, into SETTINGS.
uplink_settings() {
  local other='{}'
  [ "$STP" != rstp ] || other='{"rstp-port-admin-edge"="true","rstp-port-auto-edge"="true"}'
  SETTINGS=(-- set port "$1" "tag=$2" "other_config=$other" "external_ids={\"ringgen-ring\"=\"$RING\"}")
}

desired
readonly DESIRED_LINKS DESIRED_PORTS DESIRED_CONTAINERS TUNNEL_NAMES CONTAINER_INDEX

ovs_running() { ovs-vsctl --timeout=5 show >/dev/null 2>&1; }

# Starts Open vSwitch: the distribution's service where there is one, else the original's launch sequence.
start_ovs() {
  ovs_running && return 0
  log "starting Open vSwitch"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] &&
    systemctl list-unit-files openvswitch-switch.service >/dev/null 2>&1; then
    systemctl start openvswitch-switch.service
  elif [ -x /usr/share/openvswitch/scripts/ovs-ctl ]; then
    /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random
  else
    local rundir="${OVS_RUNDIR:-/var/run/openvswitch}" dbdir="${OVS_DBDIR:-/etc/openvswitch}"
    mkdir -p "$rundir" "$dbdir"
    [ -f "$dbdir/conf.db" ] || ovsdb-tool create "$dbdir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$dbdir/conf.db" --remote="punix:$rundir/db.sock" \
      --remote=db:Open_vSwitch,Open_vSwitch,manager_options --pidfile --detach --log-file
    ovs-vsctl --no-wait init
    ovs-vswitchd --pidfile --detach --log-file
  fi
  for _ in $(seq 1 50); do ovs_running && return 0; sleep 0.2; done
  die "Open vSwitch did not start"
}

# The OVS bridge, created with spanning tree on in the same transaction, before any port.
ensure_ovs_bridge() {
  local owner
  if ovs-vsctl br-exists "$OVS_BRIDGE"; then
    owner=$(ovs_get bridge "$OVS_BRIDGE" external_ids:ringgen-ring)
    [ "$owner" = "$RING" ] || die "OVS bridge $OVS_BRIDGE exists but ringgen did not make it for ring $RING; rename options.ovsBridge or remove it"
  elif link_exists "$OVS_BRIDGE"; then
    # An OVS bridge is also a network device of its name: one that is already there is someone else's.
    die "interface $OVS_BRIDGE exists on this host and is not an OVS bridge; rename options.ovsBridge in the ring, or the interface on the host"
  else
    log "creating OVS bridge $OVS_BRIDGE ($STP)"
  fi
  ovs-vsctl --may-exist add-br "$OVS_BRIDGE" -- set bridge "$OVS_BRIDGE" ${OVS_BRIDGE_SETTINGS[@]+"${OVS_BRIDGE_SETTINGS[@]}"}
  # Open vSwitch accepts a max-age only when 2 x (forward delay - 1) covers it: apply in an order it
  # accepts (TIMER_MAX_AGE is set for a max-age over 28).
  if [ -n "$TIMER_MAX_AGE" ] && [ "$(ovs_get bridge "$OVS_BRIDGE" external_ids:ringgen-timers)" != "$TIMER_MAX_AGE/$TIMER_FORWARD_DELAY" ]; then
    ovs-vsctl set bridge "$OVS_BRIDGE" other_config:rstp-forward-delay=30
    ovs-vsctl set bridge "$OVS_BRIDGE" "other_config:rstp-max-age=$TIMER_MAX_AGE"
    ovs-vsctl set bridge "$OVS_BRIDGE" "other_config:rstp-forward-delay=$TIMER_FORWARD_DELAY" \
      "external_ids:ringgen-timers=$TIMER_MAX_AGE/$TIMER_FORWARD_DELAY"
  fi
  ip link set dev "$OVS_BRIDGE" up 2>/dev/null || true
}

# A Linux bridge for one subnet, with this host's own address on it.
ensure_linux_bridge() {
  local name=$1 addr=$2 prefix=$3 mac=$4 mtu=$5 other
  link_free_or_ours "$name" "rename bridge $name in the ring, or the interface on the host" || exit 1
  if ! link_exists "$name"; then
    log "creating bridge $name ($addr/$prefix)"
    ip link add name "$name" type bridge stp_state 0
    ip link set dev "$name" alias "$OWNER"
  fi
  ip link set dev "$name" address "$mac" mtu "$mtu" up
  for other in $(ip -o -4 addr show dev "$name" | awk '{print $4}'); do
    [ "$other" = "$addr/$prefix" ] || ip addr del "$other" dev "$name"
  done
  ip addr replace "$addr/$prefix" dev "$name"
}

# The veth pair that hangs a Linux bridge off the OVS bridge, on an access port of its own VLAN.
ensure_uplink() {
  local bridge=$1 linux_end=$2 ovs_end=$3 mtu=$4 new=0 end
  shift 4
  for end in "$linux_end" "$ovs_end"; do
    link_free_or_ours "$end" "ringgen names the uplink of bridge $bridge $linux_end/$ovs_end: rename bridge $bridge in the ring, or the interface on the host" || exit 1
  done
  port_free_or_ours "$ovs_end" "ringgen names the uplink of bridge $bridge $ovs_end: rename bridge $bridge in the ring, or the port" || exit 1
  if ! link_exists "$linux_end"; then
    # A veth end of ringgen's left without its peer (the other end is gone) is made again with it.
    if link_exists "$ovs_end"; then ip link del dev "$ovs_end"; fi
    ip link add name "$linux_end" type veth peer name "$ovs_end"
    ip link set dev "$linux_end" alias "$OWNER"
    ip link set dev "$ovs_end" alias "$OWNER"
    new=1
  fi
  ip link set dev "$linux_end" master "$bridge" mtu "$mtu" up
  ip link set dev "$ovs_end" mtu "$mtu" up
  if [ "$DATAPATH" = netdev ]; then
    # The userspace datapath forwards packets whose checksum the kernel left to the NIC: compute them here.
    ethtool -K "$linux_end" tx off >/dev/null
    ethtool -K "$ovs_end" tx off >/dev/null
  fi
  if [ "$new" = 0 ]; then
    ovs-vsctl --may-exist add-port "$OVS_BRIDGE" "$ovs_end" "$@"
    return 0
  fi
  # A new veth (first run, after a reboot, or the old one was deleted): a port of that name that OVS
  # still has holds the device that is gone (the userspace datapath keeps reading it), so it is made
  # again.
  ovs-vsctl --if-exists del-port "$OVS_BRIDGE" "$ovs_end"
  if [ "$STP" = rstp ]; then
    # Open vSwitch applies a new port's admin-edge setting only after it has enabled the port, too late:
    # the port would not be an edge port until auto-edge makes it one 3 s later, and until then it falls
    # back to discarding at every change of the tree, cutting off the containers behind it. Added
    # disabled through RSTP's own admin state, then enabled, it is an edge port at once.
    ovs-vsctl add-port "$OVS_BRIDGE" "$ovs_end" "$@" -- set port "$ovs_end" other_config:rstp-admin-port-state=false
    ovs-vsctl remove port "$ovs_end" other_config rstp-admin-port-state
  else
    ovs-vsctl add-port "$OVS_BRIDGE" "$ovs_end" "$@"
  fi
}

ensure_tunnel() {
  local name=$1
  shift
  port_free_or_ours "$name" "rename tunnel $name in the ring, or the port" || exit 1
  ovs-vsctl --may-exist add-port "$OVS_BRIDGE" "$name" "$@"
}

ensure_jump() {
  local table=$1 chain=$2 target=$3
  iptables -w -t "$table" -n -L "$chain" >/dev/null 2>&1 || return 0
  iptables -w -t "$table" -C "$chain" -j "$target" 2>/dev/null ||
    iptables -w -t "$table" -I "$chain" 1 -j "$target"
}

# Stops unless every chain of the names ringgen's rules use is absent or ringgen's (flushing one
# would lose someone else's rules), naming each that is not.
require_chains_ours() {
  local foreign=0
  chain_free_or_ours filter "$CHAIN_FWD" || foreign=1
  chain_free_or_ours filter "$CHAIN_IN" || foreign=1
  chain_free_or_ours filter "$CHAIN_TX" || foreign=1
  chain_free_or_ours nat "$CHAIN_PRE" || foreign=1
  chain_free_or_ours nat "$CHAIN_OUT" || foreign=1
  chain_free_or_ours nat "$CHAIN_POST" || foreign=1
  [ "$foreign" = 0 ] || exit 1
}

# ringgen's own chains are flushed and refilled; each built-in chain gets one jump to them.
apply_rules() {
  require_chains_ours
  iptables-restore -w --noflush <"$SCRIPT_DIR/iptables.rules"
  # Every chain carries its mark now: the previous version's unmarked ones are no longer taken.
  rm -f "$STATE_DIR/unmarked-chains"
  ensure_jump filter FORWARD "$CHAIN_FWD"
  ensure_jump filter DOCKER-USER "$CHAIN_FWD"
  ensure_jump filter INPUT "$CHAIN_IN"
  ensure_jump filter OUTPUT "$CHAIN_TX"
  ensure_jump nat PREROUTING "$CHAIN_PRE"
  ensure_jump nat OUTPUT "$CHAIN_OUT"
  ensure_jump nat POSTROUTING "$CHAIN_POST"
  if [ "$IP_FORWARD" = 1 ]; then
    [ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
  fi
}

# IPsec: the pre-shared key from IPSEC_PSK_FILE into PSK. The file must be root's, readable by
# nobody else, and hold one line of 16-256 characters of letters, digits and + / = . _ ~ : -
# (what `openssl rand -base64 32` writes). The key is never printed.
read_psk() {
  local f=$IPSEC_PSK_FILE size
  [ -e "$f" ] || die "IPsec key file $f does not exist on this host: create it with the ring's key, the same on every host (umask 077; openssl rand -base64 32 >$f, then copy it to the other hosts)"
  [ -f "$f" ] || die "IPsec key file $f is not a regular file"
  require_root_only "IPsec key file" "$f"
  size=$(stat -L -c '%s' -- "$f")
  ((size <= 1024)) || die "IPsec key file $f is $size bytes: it must hold one line, the key"
  PSK=$(<"$f")
  [[ $PSK =~ ^[A-Za-z0-9+/=._~:-]{16,256}$ ]] ||
    die "IPsec key file $f must hold one line of 16-256 characters, letters, digits and + / = . _ ~ : - only (openssl rand -base64 32 writes one)"
}

# IPsec with certificates: the three files are there, the key is root's alone, the certificate
# names this host (its peers ask for that name) and the CA signed it, and the key is its key.
check_certs() {
  require_tools openssl
  local f cn subject
  for f in "$IPSEC_CA" "$IPSEC_CERT" "$IPSEC_KEY"; do
    [ -f "$f" ] || die "IPsec file $f does not exist on this host (or is not a regular file): put the CA certificate, this host's certificate and its private key at the ring's ipsec paths"
  done
  require_root_only "IPsec private key" "$IPSEC_KEY"
  subject=$(openssl x509 -in "$IPSEC_CERT" -noout -subject -nameopt RFC2253 2>/dev/null) || subject=''
  subject=${subject#subject=}
  cn=$(sed -n 's/^\(.*,\)\{0,1\}CN=\([^,]*\).*/\2/p' <<<"$subject")
  [ -n "$cn" ] || die "$IPSEC_CERT is not a PEM certificate with a common name (CN)"
  [ "$cn" = "$HOST" ] || die "certificate $IPSEC_CERT names '$cn', not this host, $HOST: the peers ask for the host name; issue this host a certificate with CN=$HOST"
  # Open vSwitch 3.1's monitor reads the name only when another part of the subject follows it
  # (`CN=host1,O=...` as RFC 2253 prints it); strongSwan then matches the peer's name against the
  # certificate's subjectAltName.
  [[ $subject =~ CN=[^,]+, ]] ||
    die "certificate $IPSEC_CERT's subject, $subject, holds only the common name: Open vSwitch's IPsec monitor then finds no name in it; issue it with another part, e.g. -subj '/O=$RING/CN=$HOST'"
  openssl x509 -in "$IPSEC_CERT" -noout -ext subjectAltName 2>/dev/null | grep -qE "(^|[ ,])DNS:$HOST(,|\$)" ||
    die "certificate $IPSEC_CERT has no subjectAltName DNS:$HOST: strongSwan checks the name its peers ask for (the host name) there; issue it with -addext subjectAltName=DNS:$HOST"
  openssl verify -CAfile "$IPSEC_CA" "$IPSEC_CERT" >/dev/null 2>&1 ||
    die "certificate $IPSEC_CERT is not signed by the CA in $IPSEC_CA (openssl verify -CAfile $IPSEC_CA $IPSEC_CERT says why)"
  [ "$(openssl x509 -in "$IPSEC_CERT" -noout -pubkey 2>/dev/null)" = "$(openssl pkey -in "$IPSEC_KEY" -pubout 2>/dev/null)" ] ||
    die "private key $IPSEC_KEY is not the key of certificate $IPSEC_CERT"
  # Open vSwitch's monitor hands the key to strongSwan as an RSA key (`: RSA` in ipsec.secrets).
  openssl rsa -in "$IPSEC_KEY" -noout 2>/dev/null ||
    die "private key $IPSEC_KEY is not an RSA key: Open vSwitch's IPsec monitor gives it to strongSwan as one, so no other kind loads; issue this host an RSA key and certificate"
}

ipsec_monitor_running() { ovs-appctl --timeout=5 -t ovs-monitor-ipsec version >/dev/null 2>&1; }

# strongSwan negotiates the cipher Open vSwitch's monitor asks for (AES-GCM) only with its gcm
# plugin, which Debian ships in libstrongswan-standard-plugins, a package an install without
# recommends leaves out: then every IKE exchange fails ("key derivation failed") and no tunnel
# ever comes up. Checked where strongSwan's plugins are Debian's.
require_strongswan_gcm() {
  local dir
  for dir in /usr/lib/ipsec/plugins /usr/lib/x86_64-linux-gnu/ipsec/plugins /usr/lib/aarch64-linux-gnu/ipsec/plugins; do
    [ -d "$dir" ] || continue
    [ -e "$dir/libstrongswan-gcm.so" ] ||
      die "strongSwan has no gcm plugin ($dir/libstrongswan-gcm.so), and Open vSwitch's IPsec uses AES-GCM: apt-get install libstrongswan-standard-plugins"
  done
}

# Open vSwitch's IPsec monitor (package openvswitch-ipsec), which configures strongSwan from the
# tunnels' settings: the distribution's service where there is one, else ovs-ctl's way.
start_ipsec_monitor() {
  ipsec_monitor_running && return 0
  log "starting Open vSwitch's IPsec monitor"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] &&
    systemctl list-unit-files openvswitch-ipsec.service >/dev/null 2>&1; then
    systemctl start openvswitch-ipsec.service
  elif [ -x /usr/share/openvswitch/scripts/ovs-monitor-ipsec ] && [ -x /usr/share/openvswitch/scripts/ovs-ctl ]; then
    /usr/share/openvswitch/scripts/ovs-ctl --ike-daemon=strongswan start-ovs-ipsec
  else
    die "IPsec needs Open vSwitch's IPsec monitor, ovs-monitor-ipsec, and strongSwan: apt-get install openvswitch-ipsec libstrongswan-standard-plugins"
  fi
  for _ in $(seq 1 50); do ipsec_monitor_running && return 0; sleep 0.2; done
  die "Open vSwitch's IPsec monitor did not start (see its log, ovs-monitor-ipsec.log)"
}

# strongSwan trusts the CA certificates in its cacerts folder. Open vSwitch 3.1's monitor names the
# ring's CA in a `ca` section of ipsec.conf without `auto=add`, which strongSwan's starter then
# ignores (its default), so no peer's certificate would verify ("no trusted RSA public key found"
# in strongSwan's log). The CA is linked into that folder under ringgen's name for this ring
# (RINGGEN_IPSEC_D moves strongSwan's ipsec.d), and strongSwan told to read its CAs again.
link_ipsec_ca() {
  local link
  link=$(ipsec_ca_link)
  if [ -e "$link" ] || [ -L "$link" ]; then
    [ -L "$link" ] || die "$link is not ringgen's link to ring $RING's CA (a file of that name is there): move it away"
    [ "$(readlink -- "$link")" = "$IPSEC_CA" ] && return 0
  fi
  mkdir -p -- "${link%/*}"
  ln -sfn -- "$IPSEC_CA" "$link"
  log "linked the ring's CA certificate $IPSEC_CA into strongSwan's CA folder ($link)"
}

# The host-wide IPsec settings of Open vSwitch (certificate mode: this host's certificate, key and
# the CA), marked as this ring's; another ring's or the operator's are never changed. Without
# certificates, this ring's are removed.
ipsec_config() {
  local owner
  owner=$(ovs_get open_vswitch . external_ids:ringgen-ipsec)
  if [ -n "$IPSEC" ]; then
    require_strongswan_gcm
    start_ipsec_monitor
  fi
  if [ "$IPSEC" = cert ]; then
    if [ -z "$owner" ] && [ -n "$(ovs_get open_vswitch . other_config:certificate)" ]; then
      die "Open vSwitch's IPsec certificate is already set on this host, not by ringgen (other_config:certificate of the Open_vSwitch table): one host has one; use it for this ring's ipsec paths, or remove it"
    fi
    [ -z "$owner" ] || [ "$owner" = "$RING" ] ||
      die "Open vSwitch's IPsec certificate on this host is ring $owner's: one host has one certificate; give both rings the same ipsec paths, or use a pre-shared key"
    ovs-vsctl set open_vswitch . "other_config:certificate=$IPSEC_CERT" "other_config:private_key=$IPSEC_KEY" \
      "other_config:ca_cert=$IPSEC_CA" "external_ids:ringgen-ipsec=$RING"
    link_ipsec_ca
    reread_ipsec_cas
  else
    remove_ipsec_config
  fi
}

network_up() {
  if [ "$DATAPATH" = netdev ]; then
    require_tools ip ovs-vsctl iptables iptables-restore flock awk ethtool
  else
    require_tools ip ovs-vsctl iptables iptables-restore flock awk
  fi
  [ -z "$IPSEC" ] || require_tools ovs-appctl stat
  require_chains_ours
  start_ovs
  ensure_ovs_bridge
  prune_ovs "$OVS_BRIDGE" ${DESIRED_PORTS[@]+"${DESIRED_PORTS[@]}"}
  local row name address prefix mac vlan uplink_linux uplink_ovs peer remote kind cost SETTINGS=() PSK=''
  case "$IPSEC" in
  psk) read_psk ;;
  cert) check_certs ;;
  esac
  for row in ${BRIDGES[@]+"${BRIDGES[@]}"}; do
    read -r name address prefix mac vlan uplink_linux uplink_ovs <<<"$row"
    uplink_settings "$uplink_ovs" "$vlan"
    ensure_linux_bridge "$name" "$address" "$prefix" "$mac" "$OVERLAY_MTU"
    ensure_uplink "$name" "$uplink_linux" "$uplink_ovs" "$OVERLAY_MTU" ${SETTINGS[@]+"${SETTINGS[@]}"}
  done
  # The firewall before the tunnels: with IPsec, no tunnel packet leaves in clear, from the first.
  apply_rules
  ipsec_config
  for row in ${TUNNELS[@]+"${TUNNELS[@]}"}; do
    read -r name peer remote kind cost _ <<<"$row"
    tunnel_settings "$name" "$peer" "$remote" "$kind" "$cost"
    ensure_tunnel "$name" ${SETTINGS[@]+"${SETTINGS[@]}"}
  done
  prune_links ${DESIRED_LINKS[@]+"${DESIRED_LINKS[@]}"}
  log "network up: ${#TUNNELS[@]} tunnel(s), ${#BRIDGES[@]} bridge(s)"
}

# Attaches a running container on eth1 with its fixed IP (what pipework did), unless it already is.
# Returns 1, saying why, for a container or veth of its names that ringgen did not make (the
# watcher logs it and carries on; up.sh stops). One attach at a time on a host: at boot the
# watcher's first pass and the containers unit attach the same container at once, and each took
# the veth the other was still making (no alias yet) for a foreign one.
attach() {
  (ensure_state_dir) || return 1
  (
    flock -w 120 8 || { log "error: another attach has held $STATE_DIR/attach.lock for 120 s"; exit 1; }
    attach_now "$@"
  ) 8>"$STATE_DIR/attach.lock"
}

attach_now() {
  local name=$1 bridge=$2 ip=$3 prefix=$4 mac=$5 mtu=$6 host_end=$7 temp_end=$8 gateway=$9 pid ring end line
  read -r pid ring < <(docker container inspect -f '{{.State.Pid}} {{index .Config.Labels "ringgen.ring"}}' "$name" 2>/dev/null || echo 0)
  [ "${pid:-0}" -gt 0 ] || return 0
  if [ "$ring" != "$RING" ]; then
    log "error: container $name is running but ringgen did not create it for ring $RING (no label ringgen.ring=$RING): not attaching it; rename it on the host, or the container in the ring"
    return 1
  fi
  # A veth without its alias yet is ringgen's when an attach of this container was cut between
  # making it and naming it (the attach unit restarted mid-attach): the marker says so.
  if [ ! -e "$STATE_DIR/attaching-$name" ]; then
    for end in "$host_end" "$temp_end"; do
      link_free_or_ours "$end" "ringgen names the veth of container $name $host_end/$temp_end: rename container $name in the ring, or the interface on the host" || return 1
    done
  fi
  if nsenter -t "$pid" -n ip -o -4 addr show dev eth1 2>/dev/null | grep -qF " $ip/$prefix " &&
    link_exists "$host_end"; then
    ip link set dev "$host_end" master "$bridge" up
    return 0
  fi
  # The container's eth1 is removed and made again: only one that ringgen made (its alias).
  line=$(nsenter -t "$pid" -n ip -o link show dev eth1 2>/dev/null) || line=''
  if [ -n "$line" ] && { [[ $line != *' alias '* ]] || [ "${line##* alias }" != "$OWNER" ]; }; then
    log "error: container $name has an eth1 that ringgen did not make (no alias $OWNER; a second Docker network?): not attaching it; disconnect that network (docker network disconnect), or rename the interface in the container"
    return 1
  fi
  log "attaching $name on eth1 as $ip/$prefix (bridge $bridge)"
  nsenter -t "$pid" -n ip link del dev eth1 2>/dev/null || true
  if link_exists "$host_end"; then ip link del dev "$host_end"; fi
  if link_exists "$temp_end"; then ip link del dev "$temp_end"; fi
  : >"$STATE_DIR/attaching-$name"
  ip link add name "$host_end" mtu "$mtu" type veth peer name "$temp_end" mtu "$mtu"
  ip link set dev "$host_end" alias "$OWNER"
  ip link set dev "$temp_end" alias "$OWNER"
  rm -f "$STATE_DIR/attaching-$name"
  ip link set dev "$host_end" master "$bridge" up
  ip link set dev "$temp_end" netns "$pid"
  nsenter -t "$pid" -n ip link set dev "$temp_end" name eth1 address "$mac"
  nsenter -t "$pid" -n ip addr add "$ip/$prefix" dev eth1
  nsenter -t "$pid" -n ip link set dev eth1 up
  if [ "$DATAPATH" = netdev ]; then
    ethtool -K "$host_end" tx off >/dev/null
    nsenter -t "$pid" -n ethtool -K eth1 tx off >/dev/null
  fi
  if [ -n "$gateway" ]; then
    nsenter -t "$pid" -n ip route replace default via "$gateway" dev eth1
  fi
  touch "$STATE_DIR/attached" 2>/dev/null || true
}

# The first 16 hex digits of the SHA-256 of container NAME's env file FILE (a change recreates the
# container). Only a regular readable file of at most 1 MiB, read within 10 s, is taken: a FIFO or
# a device (/dev/zero) would otherwise stop up.sh for good while it holds its lock.
env_file_digest() {
  local name=$1 file=$2 size digest
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    die "container $name: env file $file is missing on this host, or is not a regular readable file"
  elif ! size=$(stat -L -c %s -- "$file"); then
    die "container $name: cannot read the size of env file $file"
  elif [ "$size" -gt 1048576 ]; then
    die "container $name: env file $file has $size bytes; at most 1 MiB (1048576 bytes) is taken"
  elif ! digest=$(read_bounded "$file" 1048576 | sha256sum); then
    die "container $name: env file $file could not be read within 10 s"
  else
    printf '%s\n' "${digest:0:16}"
  fi
}

# The settings hash container I is created with: with an env file, the first 16 hex digits of its
# content's SHA-256 after it (a change of the file recreates the container).
container_hash() {
  local digest FIELDS
  container_fields "$1"
  if [ -n "${FIELDS[10]}" ]; then
    digest=$(env_file_digest "${FIELDS[0]}" "${FIELDS[10]}") || exit
    printf '%s-%s\n' "${FIELDS[9]}" "$digest"
  else
    printf '%s\n' "${FIELDS[9]}"
  fi
}

container_attach() {
  local FIELDS
  container_fields "$1"
  attach "${FIELDS[@]:0:9}"
}

container_up() {
  local name want have create="C${1}_CREATE[@]" FIELDS
  container_fields "$1"
  name=${FIELDS[0]}
  want=$(container_hash "$1")
  if docker container inspect "$name" >/dev/null 2>&1; then
    [ "$(container_label "$name" ringgen.ring)" = "$RING" ] ||
      die "container $name exists but ringgen did not create it; rename or remove it"
    have=$(container_label "$name" ringgen.hash)
    if [ "$have" != "$want" ]; then
      log "container $name changed: recreating it (volumes are kept)"
      docker rm -f "$name" >/dev/null
    fi
  fi
  if ! docker container inspect "$name" >/dev/null 2>&1; then
    log "creating container $name"
    docker create --label "ringgen.hash=$want" "${!create}" >/dev/null
  fi
  [ "$(docker container inspect -f '{{.State.Running}}' "$name")" = true ] || docker start "$name" >/dev/null
  container_attach "$1"
}

# Attaches the container of this host named NAME; any other name is not this host's to attach.
attach_by_name() {
  [ -n "$1" ] && [ -n "${CONTAINER_INDEX[$1]:-}" ] || return 0
  container_attach "${CONTAINER_INDEX[$1]}"
}

# The watcher re-attaches containers after a restart, with nobody running anything. systemd runs it
# as $UNIT_ATTACH where installed; elsewhere up.sh starts it in the background.
start_watcher() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled --quiet "$UNIT_ATTACH" 2>/dev/null; then
    systemctl try-restart --no-block "$UNIT_ATTACH" || true
    return 0
  fi
  stop_watcher
  setsid bash "$SCRIPT_DIR/up.sh" watch >>"$STATE_DIR/watch.log" 2>&1 </dev/null 9>&- &
  # Its pid and the script it runs: stop_watcher stops only a process with that whole command line.
  printf '%s\n%s\n' "$!" "$SCRIPT_DIR/up.sh" >"$STATE_DIR/watch.pid"
}

containers_up() {
  if [ "${#DESIRED_CONTAINERS[@]}" -eq 0 ] && ! command -v docker >/dev/null 2>&1; then
    return 0
  fi
  if [ "$DATAPATH" = netdev ]; then
    require_tools docker nsenter ip sha256sum timeout head stat ethtool
  else
    require_tools docker nsenter ip sha256sum timeout head stat
  fi
  docker info >/dev/null 2>&1 || die "Docker is not running"
  prune_containers ${DESIRED_CONTAINERS[@]+"${DESIRED_CONTAINERS[@]}"}
  local i
  for ((i = 0; i < ${#DESIRED_CONTAINERS[@]}; i++)); do container_up "$i"; done
  apply_rules
  start_watcher
  log "containers up: ${#DESIRED_CONTAINERS[@]} container(s)"
}

# Process ids of this ring's running containers here, one per line.
container_pids() {
  docker ps -q --filter "label=ringgen.ring=$RING" --filter status=running 2>/dev/null |
    xargs -r timeout 120 docker container inspect -f '{{.State.Pid}}' 2>/dev/null || true
}

# Tells every switch of the ring where this host's containers are: one broadcast from each
# container's eth1 (process ids as arguments), which every Open vSwitch on the way learns the
# container's MAC from. When spanning tree moves a port here, other hosts would otherwise keep
# sending into the newly blocked tunnel until the topology change reaches them with a hello, up
# to 2 s later.
announce_containers() {
  printf '%s\n' "$@" | grep -x '[0-9][0-9]*' |
    xargs -r -P 16 -I '{}' nsenter -t '{}' -n ping -q -b -c 1 -W 0.01 -I eth1 255.255.255.255 >/dev/null 2>&1 || true
}

# True when a line of `ovsdb-client monitor ... Port name rstp_status --format=csv` reports a new
# spanning tree role or state for a port (its counters change every few seconds; those are not news).
# A change after the first sighting of a port is logged (the journal of the attach unit, or
# $STATE_DIR/watch.log), so an operator can see when the ring failed over, and a tunnel that
# flaps under load.
tree_changed() {
  [[ $1 =~ ^[^,]*,(initial|insert|new),([^,]+),.*rstp_port_role=([A-Za-z]+).*rstp_port_state=([A-Za-z]+) ]] || return 1
  local port=${BASH_REMATCH[2]} now="${BASH_REMATCH[3]}/${BASH_REMATCH[4]}"
  [ "${TREE_STATE[$port]:-}" != "$now" ] || return 1
  if [ -n "${TREE_STATE[$port]:-}" ]; then log "spanning tree: port $port ${TREE_STATE[$port]} -> $now"; fi
  TREE_STATE[$port]=$now
}

# Reads a line of the monitor into LINE, waiting $1 seconds at most. A line the time limit cut in
# two (bash reads a pipe a byte at a time: a host busy for 20 ms in the middle of a line) is kept
# in PARTIAL and completed by the next call; dropped, its change went unseen and its rest read as
# a line of its own.
read_monitor_line() {
  local part='' rc=0
  IFS= read -r -t "$1" -n 65536 part || rc=$?
  if [ "$rc" -eq 0 ]; then
    LINE=$PARTIAL$part
    PARTIAL=''
    return 0
  fi
  PARTIAL=$PARTIAL$part
  return "$rc"
}

# Announces the containers whenever spanning tree changes a port of this host (Open vSwitch
# reports it in its database within milliseconds). The process ids are looked up ahead of time,
# again only after attach() attached a container (it touches $STATE_DIR/attached), so an
# announcement costs no Docker call and an idle watcher makes none.
watch_tree() {
  local LINE PARTIAL pids again seen=$STATE_DIR/attached.seen
  local -A TREE_STATE=()
  command -v ovsdb-client >/dev/null 2>&1 && command -v ping >/dev/null 2>&1 || return 0
  while :; do
    touch "$seen"
    pids=$(container_pids)
    PARTIAL=''
    while :; do
      if read_monitor_line 5; then
        if tree_changed "$LINE"; then
          # shellcheck disable=SC2086 # one process id per word
          announce_containers $pids
          again=0
          while read_monitor_line 0.02; do
            if tree_changed "$LINE"; then again=1; fi
          done
          # shellcheck disable=SC2086
          if [ "$again" = 1 ]; then announce_containers $pids; fi
        fi
      elif [ $? -le 128 ]; then
        break
      fi
      if [ "$STATE_DIR/attached" -nt "$seen" ]; then
        touch "$seen"
        pids=$(container_pids)
      fi
    done < <(ovsdb-client monitor Open_vSwitch Port name rstp_status --format=csv 2>/dev/null || true)
    sleep 1
  done
}

watch_containers() {
  require_tools docker nsenter ip
  local name now
  log "watching containers of ring $RING"
  if [ "$STP" = rstp ]; then watch_tree & fi
  while :; do
    for name in ${DESIRED_CONTAINERS[@]+"${DESIRED_CONTAINERS[@]}"}; do attach_by_name "$name" || log "attaching $name failed"; done
    now=$(date +%s)
    while IFS= read -r -n 1024 name; do
      attach_by_name "$name" || log "attaching $name failed"
    done < <(docker events --since "$now" --until "$((now + 30))" --filter type=container \
      --filter event=start --filter "label=ringgen.ring=$RING" --format '{{.Actor.Attributes.name}}' 2>/dev/null || sleep 2)
  done
}

# Waits, 3 s at most, for tunnels whose peer is answering to finish coming up (BFD sends one
# packet a second until a session is up), so the ring forwards when up.sh ends. A peer that is
# silent (not set up yet, or down) is not waited for.
wait_tunnels() {
  local i port state remote pending='' ports=()
  ports=(${TUNNEL_NAMES[@]+"${TUNNEL_NAMES[@]}"})
  for ((i = 0; i < 30; i++)); do
    pending=''
    for port in ${ports[@]+"${ports[@]}"}; do
      state=$(ovs_get interface "$port" bfd_status:state)
      remote=$(ovs_get interface "$port" bfd_status:remote_state)
      if [ "$state" = init ] || { [ "$state" = up ] && [ "$remote" != up ]; }; then pending="$pending $port"; fi
    done
    [ -n "$pending" ] || return 0
    if [ "$i" -eq 0 ]; then log "waiting for tunnel(s)$pending to come up"; fi
    sleep 0.1
  done
  log "tunnel(s)$pending still coming up; check.sh says when they are"
}

main() {
  local cmd=${1:-all}
  case "$cmd" in
  -h | --help) usage; return 0 ;;
  all | network | containers | watch | attach) ;;
  *) usage >&2; die "unknown command: $cmd" ;;
  esac
  require_root
  require_identity
  case "$cmd" in
  watch) watch_containers; return ;;
  attach) [ $# -eq 2 ] || die "usage: up.sh attach NAME"; attach_by_name "$2"; return ;;
  esac
  take_lock
  case "$cmd" in
  all)
    network_up
    containers_up
    if [ -n "$BFD_INTERVAL" ]; then wait_tunnels; fi
    ;;
  network) network_up ;;
  containers) containers_up ;;
  esac
}

