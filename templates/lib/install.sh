# shellcheck shell=bash
# install.sh's steps: copy the host folder to INSTALL_DIR, install, enable and start the units.
# ringgen copies it verbatim into each host's install.sh, after common.sh. It reads the host's
# data block: INSTALL_DIR, FILES, UNIT_NETWORK UNIT_CONTAINERS UNIT_ATTACH.
# shellcheck disable=SC2154 # the host's data block defines those
readonly UNIT_DIR=/etc/systemd/system
readonly UNITS=("$UNIT_NETWORK" "$UNIT_CONTAINERS" "$UNIT_ATTACH")

# Refuses, before anything is written, an install folder that is not a folder, and a file of the
# names install.sh writes that ringgen did not write for this ring.
require_ours() {
  local path foreign=()
  if [ -L "$INSTALL_DIR" ] || { [ -e "$INSTALL_DIR" ] && [ ! -d "$INSTALL_DIR" ]; }; then
    die "$INSTALL_DIR exists and is not a folder (a symlink or a file): move it away"
  fi
  for path in "${FILES[@]/#/$INSTALL_DIR/}" "${UNITS[@]/#/$UNIT_DIR/}"; do
    if [ -e "$path" ] || [ -L "$path" ]; then has_ringgen_header "$path" || foreign+=("$path"); fi
  done
  [ "${#foreign[@]}" -eq 0 ] ||
    die "not overwriting ${foreign[*]}: ringgen did not write them for ring $RING (no do-not-edit header naming the ring); move them away, or rename the ring"
}

main() {
  case "${1:-}" in
  -h | --help) usage; return 0 ;;
  '') ;;
  *) die "unknown argument: $1" ;;
  esac
  require_root
  require_identity
  require_tools install systemctl
  [ -d /run/systemd/system ] || die "systemd is not running here: run $SCRIPT_DIR/up.sh instead (it starts the watcher itself)"
  require_ours
  local file unit
  install -d -m 0755 "$INSTALL_DIR"
  for file in "${FILES[@]}"; do
    case "$file" in
    *.sh) install -m 0755 "$SCRIPT_DIR/$file" "$INSTALL_DIR/$file" ;;
    *) install -m 0644 "$SCRIPT_DIR/$file" "$INSTALL_DIR/$file" ;;
    esac
  done
  for unit in "${UNITS[@]}"; do
    install -m 0644 "$SCRIPT_DIR/$unit" "$UNIT_DIR/$unit"
  done
  systemctl daemon-reload
  log "enabling and starting ${UNITS[*]}"
  systemctl enable "$UNIT_NETWORK" "$UNIT_CONTAINERS" "$UNIT_ATTACH"
  systemctl restart "$UNIT_NETWORK"
  systemctl restart "$UNIT_CONTAINERS"
  systemctl restart "$UNIT_ATTACH"
  log "installed; check with $INSTALL_DIR/check.sh"
}

