#!/bin/bash
# The kernel lab VM's command agent: one request per TCP connection (busybox nc -ll -e starts it
# for each), from the lab harness on the machine that runs QEMU (test/lab/harness.ts). The
# request is two lines, a bash script and its stdin, each escaped for printf's %b (backslash,
# newline and NUL as \\, \n and \0000). The answer is a line "CODE ERRBYTES", then the script's
# stderr, then its stdout to the end of the connection. The script holds its own time limit (the
# harness wraps the command in timeout); its output goes to files, so a daemon it starts never
# holds the connection open. Every process started under emulation costs 40-60 ms, so this starts
# none but the script's own and one cat on the way (stderr is read with bash's read: text; a NUL
# in it ends it), and removes its files in the background.
IFS= read -r script || exit 0
IFS= read -r input || true
f=/tmp/.vm-agent.$$
in=/dev/null
if [[ -n $input ]]; then printf '%b' "$input" >"$f.in" && in=$f.in; fi
printf -v script '%b' "$script"
(eval "$script") <"$in" >"$f.out" 2>"$f.err"
code=$?
LC_ALL=C
err=
{ IFS= read -r -d '' err || true; } <"$f.err"
printf '%s %s\n%s' "$code" "${#err}" "$err"
exec 4<"$f.out"
# No fd of the connection in the background rm: the answer ends when cat does.
# shellcheck disable=SC2217
rm -f "$f.in" "$f.out" "$f.err" >/dev/null 2>&1 </dev/null &
exec cat <&4
