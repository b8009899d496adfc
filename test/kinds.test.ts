/**
 * The tests by kind (test/kinds.json, read by vitest.config.mts): every test file is in one
 * project, and no file of the parallel unit project starts a program.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

const kinds = JSON.parse(readFileSync(join(ROOT, 'test/kinds.json'), 'utf8')) as { unit: string; system: string[]; lab: string; kernel: string };
const direct = readdirSync(join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`).sort();
const unit = direct.filter((f) => !kinds.system.includes(f));

/** What starts a program, as a test file would write it: child_process, or a helper that spawns. */
const SPAWNERS: Array<[RegExp, string]> = [
  [/^import .* from '(node:)?child_process';|require\('(node:)?child_process'\)/m, 'child_process'],
  [/^import \{[^}]*\b(run|hasTool|requireTools|dockerCreateArgs)\b[^}]*\} from '\.\/helpers';/m, 'a helper that runs a program (test/helpers.ts)'],
  [/^import \{[^}]*\bringgen\b[^}]*\} from '\.\/cli-run';/m, 'the CLI as a process (ringgen in test/cli-run.ts)'],
  [/^import .* from '\.\/host-netns';/m, 'network namespaces (test/host-netns.ts)'],
];

/** Why a test file's source belongs to the system project, or [] when it starts no program. */
function spawns(source: string): string[] {
  return SPAWNERS.filter(([re]) => re.test(source)).map(([, why]) => why);
}

describe('tests by kind', () => {
  it('the unit pattern and the lab patterns match what they name, and every system file exists', () => {
    expect(kinds.unit).toBe('test/*.test.ts');
    expect(kinds.lab).toBe('test/lab/**/*.test.ts');
    expect(readdirSync(join(ROOT, 'test/lab'))).toContain(kinds.kernel.split('/').at(-1));
    for (const f of kinds.system) expect(direct, f).toContain(f);
    expect(new Set(kinds.system).size).toBe(kinds.system.length);
    expect(unit).toContain('test/kinds.test.ts');
  });

  it.each(unit)('%s (unit, run in parallel) starts no program', (file) => {
    expect(spawns(readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('the check finds each way a test file starts a program', () => {
    expect(spawns("import { spawnSync } from 'node:child_process';")).toEqual(['child_process']);
    expect(spawns("import { ROOT, run, tempDir } from './helpers';")).toEqual(['a helper that runs a program (test/helpers.ts)']);
    expect(spawns("import { requireDist, ringgen } from './cli-run';")).toEqual(['the CLI as a process (ringgen in test/cli-run.ts)']);
    expect(spawns("import { inNetns } from './host-netns';")).toEqual(['network namespaces (test/host-netns.ts)']);
    // In this process: not a reason.
    expect(spawns("import { ringgenInProcess } from './cli-run';\nimport { ROOT, tempDir } from './helpers';")).toEqual([]);
  });

  it('every system file starts a program (else it belongs to unit)', () => {
    const idle = kinds.system.filter((f) => spawns(readFileSync(join(ROOT, f), 'utf8')).length === 0);
    expect(idle).toEqual([]);
  });
});
