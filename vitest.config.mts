import { defineConfig } from 'vitest/config';
import kinds from './test/kinds.json' with { type: 'json' };

/**
 * The tests by kind (docs/contributing.md), one project each; test/kinds.json says which file is
 * of which kind, and test/kinds.test.ts checks it:
 *
 * - `unit`: every file directly in test/ that `system` does not list. The code runs in the test's
 *   own process (loading a ring file may start TypeScript's native compiler: that is the library
 *   at work). Files run in parallel.
 * - `system`: the test starts programs: the CLI, generated scripts, bash, shellcheck, iptables,
 *   systemd-analyze, Ansible, npm, network namespaces. One file at a time.
 * - `lab`: the generated scripts on simulated hosts with real daemons (test/lab/). One file at a time.
 * - `kernel`: the lab in a VM on the kernel datapath (`npm run test:kernel`): in `npm test`, where
 *   the machine can run it (root, qemu, the prepared kernel), a loud skip elsewhere, a failure under CI.
 *
 * The projects run one after the other in this order (sequence.groupOrder), so no unit test runs
 * beside a system or lab test.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 600_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: [kinds.unit], exclude: kinds.system, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'system', include: kinds.system, fileParallelism: false, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'lab', include: [kinds.lab], exclude: [kinds.kernel], fileParallelism: false, sequence: { groupOrder: 2 } } },
      { extends: true, test: { name: 'kernel', include: [kinds.kernel], fileParallelism: false, sequence: { groupOrder: 3 } } },
    ],
  },
});
