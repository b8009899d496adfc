/**
 * What every lab test file registers around its tests (call inside its describe): on a failed
 * test, the lab's diagnostics on stderr; at the end, the lab taken down. Apart from the harness,
 * which the benchmarks use outside the test runner.
 */
import { afterAll, afterEach } from 'vitest';
import type { Lab } from './harness';

export function labHooks(lab: () => Lab | undefined): void {
  afterEach(({ task }) => {
    const l = lab();
    if (task.result?.state === 'fail' && l) console.error(`lab failure in "${task.name}":\n${l.dumpAll()}`);
  });
  afterAll(() => {
    lab()?.down();
  }, 600_000);
}
