# shellcheck shell=bash
# bash 4.4 or later, checked before anything runs (a shell that is not bash stops at this line).
# The scripts use associative arrays and fractional read timeouts (bash 4.0), and run under
# `set -u`, which before 4.4 makes an empty array expanded an unbound variable: the expansions
# that can meet one are guarded, but no bash older than 4.4 is tested.
[ -n "${BASH_VERSION:-}" ] || { echo "ringgen: this script needs bash 4.4 or later; run it with bash" >&2; exit 1; }
readonly BASH_MAJOR="${BASH_VERSINFO[0]}" BASH_MINOR="${BASH_VERSINFO[1]}"
[ "$BASH_MAJOR" -gt 4 ] || { [ "$BASH_MAJOR" -eq 4 ] && [ "$BASH_MINOR" -ge 4 ]; } ||
  { echo "ringgen: this script needs bash 4.4 or later; this is bash $BASH_MAJOR.$BASH_MINOR" >&2; exit 1; }
