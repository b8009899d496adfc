/**
 * Limits of the kernel on the command lines the host scripts run. Linux refuses an `execve`
 * (E2BIG, "Argument list too long") whose single argument or environment string passes
 * MAX_ARG_STRLEN, or whose arguments and environment together, strings and pointers, pass a
 * quarter of the stack limit (2 MiB with the usual 8 MiB). The only command line whose size the
 * ring decides is a container's `docker create`: every other one is made of names that strict
 * patterns keep short.
 */
import { formatPath, type Report } from '../diagnostics';
import type { RingModel } from '../model';
import { createArgParts, DOCKER_CREATE_PREFIX } from '../render/host-view';

/** Bytes the kernel takes for one argument string, its NUL included (32 pages of 4 KiB). */
export const MAX_ARG_STRLEN = 128 * 1024;
/** A quarter of the usual 8 MiB stack limit: what arguments and environment may take together. */
export const ARG_MAX = 2 * 1024 * 1024;
/** Left for the environment `up.sh` runs in (a login shell's, sudo's or systemd's: a few KiB usually). */
export const ENV_MARGIN = 256 * 1024;
/** What one command line's arguments may take: each string, its NUL, and its pointer. */
export const ARGV_BUDGET = ARG_MAX - ENV_MARGIN;
const POINTER = 8;

const KIB = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Bytes an argument takes in the new program's memory, as the kernel counts them. */
export const argBytes = (arg: string): number => Buffer.byteLength(arg, 'utf8') + 1;

export function checkCommandLines(m: RingModel, r: Report): void {
  const prefix = DOCKER_CREATE_PREFIX.reduce((sum, a) => sum + argBytes(a) + POINTER, 0);
  for (const c of m.containers) {
    const host = m.hostByName.get(c.spec.host);
    if (!host) continue;
    let total = prefix;
    // Bytes by the top-level field they come from (env as a whole when it is many small variables).
    const byField = new Map<string, number>();
    for (const part of createArgParts(m, host, c)) {
      for (const arg of part.args) {
        const bytes = argBytes(arg);
        total += bytes + POINTER;
        const group = part.field[0];
        if (typeof group === 'string') byField.set(group, (byField.get(group) ?? 0) + bytes + POINTER);
        if (bytes > MAX_ARG_STRLEN) {
          r.error('ARG_TOO_LONG', [...c.path, ...part.field], `${formatPath(part.field)} of container "${c.name}" makes an argument of ${bytes} bytes on its docker create line; Linux takes at most ${MAX_ARG_STRLEN} (128 KiB) for one argument`, 'Move long values into a file on the host: envFile for environment variables, a bind-mounted file for data a command reads.');
        }
      }
    }
    if (total > ARGV_BUDGET) {
      // Name the field that takes the most room.
      const [field, bytes] = [...byField].reduce((a, b) => (b[1] > a[1] ? b : a));
      r.error('ARG_TOO_LONG', [...c.path, field], `the docker create line of container "${c.name}" takes ${KIB(total)} (${field}: ${KIB(bytes)}), more than the ${KIB(ARGV_BUDGET)} a command line can have`, `Linux takes at most 2 MiB for a command's arguments and environment together (a quarter of the usual 8 MiB stack limit); ringgen keeps ${KIB(ENV_MARGIN)} of that for the environment up.sh runs in. Move long values into a file on the host: envFile for environment variables, a bind-mounted file for data a command reads.`);
    }
  }
}
