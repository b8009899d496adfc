/**
 * Limits of the kernel on the command lines the host scripts run. Linux refuses an `execve`
 * (E2BIG, "Argument list too long") whose single argument or environment string passes
 * MAX_ARG_STRLEN, or whose arguments and environment together, strings and pointers, pass a
 * quarter of the stack limit (2 MiB with the usual 8 MiB). The only command line whose size the
 * ring decides is a container's `docker create`: every other one is made of names that strict
 * patterns keep short.
 */
import type { Report } from '../diagnostics';
import type { RingModel } from '../model/model';
import { createArgParts, DOCKER_CREATE_PREFIX } from '../emit/host-view';

/** Bytes the kernel takes for one argument string, its NUL included (32 pages of 4 KiB). */
export const MAX_ARG_STRLEN = 128 * 1024;
/** A quarter of the usual 8 MiB stack limit: what arguments and environment may take together. */
export const ARG_MAX = 2 * 1024 * 1024;
/** Left for the environment `up.sh` runs in (a login shell's, sudo's or systemd's: a few KiB usually). */
export const ENV_MARGIN = 256 * 1024;
/** What one command line's arguments may take: each string, its NUL, and its pointer. */
export const ARGV_BUDGET = ARG_MAX - ENV_MARGIN;
const POINTER = 8;

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
          r.add('ARG_TOO_LONG', [...c.path, ...part.field], { kind: 'argument', container: c.name, field: part.field, bytes, maximum: MAX_ARG_STRLEN });
        }
      }
    }
    if (total > ARGV_BUDGET) {
      // Name the field that takes the most room.
      const [field, bytes] = [...byField].reduce((a, b) => (b[1] > a[1] ? b : a));
      const values = { container: c.name, field, bytes: total, fieldBytes: bytes, maximum: ARGV_BUDGET, reserved: ENV_MARGIN };
      r.add('ARG_TOO_LONG', [...c.path, field], { kind: 'line', ...values });
    }
  }
}
