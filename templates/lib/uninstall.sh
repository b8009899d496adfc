# shellcheck shell=bash
# uninstall.sh's steps: stop and disable the units, run down.sh, remove the files and the state
# folder, each only when ringgen wrote it for this ring. ringgen copies it verbatim into each
# host's uninstall.sh, after common.sh. It reads the host's data block: INSTALL_DIR, FILES,
# UNIT_NETWORK UNIT_CONTAINERS UNIT_ATTACH.
# shellcheck disable=SC2154 # the host's data block defines those
readonly UNIT_DIR=/etc/systemd/system
readonly UNITS=("$UNIT_ATTACH" "$UNIT_CONTAINERS" "$UNIT_NETWORK")

# rm_ours FILE...: removes each FILE that ringgen wrote for this ring; says which others it leaves.
rm_ours() {
  local path
  for path in "$@"; do
    [ -e "$path" ] || [ -L "$path" ] || continue
    if has_ringgen_header "$path"; then
      rm -f "$path"
    else
      log "leaving $path: ringgen did not write it for ring $RING (no do-not-edit header naming the ring)"
    fi
  done
}

# rmdir_ours DIR FILE...: removes the files named (ringgen's, by name in a folder of ringgen's), then
# the folder, unless something else is in it.
rmdir_ours() {
  local dir=$1 left
  shift
  rm -f "${@/#/$dir/}"
  rmdir "$dir" 2>/dev/null && return 0
  left=$(find "$dir" -mindepth 1 -maxdepth 1 -printf ' %f' 2>/dev/null || true)
  log "leaving $dir: it holds files ringgen did not write for ring $RING:${left:0:512}"
  return 1
}

main() {
  case "${1:-}" in
  -h | --help) usage; return 0 ;;
  '') ;;
  *) die "unknown argument: $1" ;;
  esac
  require_root
  local unit path down=$SCRIPT_DIR/down.sh status=0 ours=() state=()
  for unit in "${UNITS[@]}"; do
    if has_ringgen_header "$UNIT_DIR/$unit"; then ours+=("$unit"); fi
  done
  [ -x "$INSTALL_DIR/down.sh" ] && down=$INSTALL_DIR/down.sh
  [ -e "$down" ] || die "$down is missing: run the uninstall.sh of a complete host folder (or of $INSTALL_DIR)"
  has_ringgen_header "$down" || die "not running $down: ringgen did not write it for ring $RING (no do-not-edit header naming the ring)"
  if [ "${#ours[@]}" -gt 0 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for unit in ${ours[@]+"${ours[@]}"}; do
      systemctl disable --now "$unit" 2>/dev/null || true
    done
  fi
  "$down" || status=$?
  if [ "$status" -ne 0 ]; then
    log "down.sh did not finish (exit $status): the units are stopped and disabled, their files and $INSTALL_DIR stay; do what it said, then run uninstall.sh again"
    exit "$status"
  fi
  rm_ours "${UNITS[@]/#/$UNIT_DIR/}"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
  fi
  if [ -d "$INSTALL_DIR" ] && [ ! -L "$INSTALL_DIR" ]; then
    rm_ours "${FILES[@]/#/$INSTALL_DIR/}"
    # The folder of every ring's install folder goes with the last of them.
    if rmdir_ours "$INSTALL_DIR"; then rmdir "${INSTALL_DIR%/*}" 2>/dev/null || true; fi
  fi
  # The state folder, marked by down.sh's run: its own files, and those of attaches cut half-way.
  if [ -d "$STATE_DIR" ] && [ ! -L "$STATE_DIR" ] && [ "$(read_bounded "$STATE_DIR/owner" 256 || true)" = "$OWNER" ]; then
    state=("${STATE_FILES[@]}")
    for path in "$STATE_DIR"/attaching-*; do [ ! -e "$path" ] || state+=("${path##*/}"); done
    rmdir_ours "$STATE_DIR" ${state[@]+"${state[@]}"} || true
    # Likewise /var/lib/ringgen, unless the state folder is elsewhere (RINGGEN_STATE_DIR).
    if [ "$STATE_DIR" = "$DEFAULT_STATE_DIR" ]; then rmdir "${STATE_DIR%/*}" 2>/dev/null || true; fi
  fi
  log "uninstalled"
}

