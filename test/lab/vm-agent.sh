#!/bin/bash
# The kernel lab VM's command agent: one request per TCP connection (busybox nc -ll -e starts it
# for each), from the lab harness on the machine that runs QEMU (test/lab/harness.ts). The
# request is two lines, a bash script and its stdin, each escaped for printf's %b (backslash,
# newline and NUL as \\, \n and \0000). The answer is a line "CODE OUTBYTES ERRBYTES", then the
# script's stdout and stderr as they are. The script holds its own time limit (the harness wraps
# the command in timeout); its output goes to files, so a daemon it starts never holds the
# connection open. Every process started under emulation costs 50-200 ms, so this uses bash's
# builtins wherever it can.
IFS= read -r script || exit 0
IFS= read -r input || true
f=/tmp/.vm-agent.$$
printf '%b' "$input" >"$f.in"
printf -v script '%b' "$script"
(eval "$script") <"$f.in" >"$f.out" 2>"$f.err"
code=$?
sizes=$(stat -c %s "$f.out" "$f.err")
printf '%s %s\n' "$code" "${sizes//$'\n'/ }"
cat "$f.out" "$f.err"
rm -f "$f.in" "$f.out" "$f.err"
