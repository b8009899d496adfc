/** `ringgen init`: a starting ring that builds as written, never written over an existing file. */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireDist, ringgen } from './cli-run';
import { ROOT, run, tempDir } from './helpers';

const cli = (args: string[], cwd: string) => ringgen(args, cwd);

beforeAll(requireDist);

describe('ringgen init', () => {
  it('writes a ring that builds without warnings, into a new folder', () => {
    const dir = tempDir();
    const r = cli(['init', 'ring'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('wrote ring/ring.config.ts');
    expect(r.stdout).toContain('wrote ring/tsconfig.json');
    expect(r.stdout).toMatch(/npm install --save-dev ringgen/);
    const config = readFileSync(join(dir, 'ring/ring.config.ts'), 'utf8');
    expect(config).toMatch(/^import \{ ring \} from 'ringgen';$/m);
    const b = cli(['build', 'ring/ring.config.ts', '--out', 'ring/out'], dir);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toBe('');
    expect(existsSync(join(dir, 'ring/out/host1/up.sh'))).toBe(true);
  });

  it('refuses to overwrite ring.config.ts: exit 2, file byte-identical, nothing else written', () => {
    const dir = tempDir();
    expect(cli(['init'], dir).status).toBe(0);
    const before = readFileSync(join(dir, 'ring.config.ts'));
    writeFileSync(join(dir, 'ring.config.ts'), Buffer.concat([before, Buffer.from('// mine\n')]));
    const mine = readFileSync(join(dir, 'ring.config.ts'));
    rmSync(join(dir, 'tsconfig.json'));
    const r = cli(['init', '.'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ring\.config\.ts already exists.*nothing written/);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, 'ring.config.ts')).equals(mine)).toBe(true);
    expect(existsSync(join(dir, 'tsconfig.json'))).toBe(false);
  });

  it('keeps an existing tsconfig.json and refuses a path that is a file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tsconfig.json'), '{"mine": true}\n');
    const r = cli(['init'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('kept your tsconfig.json');
    expect(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).toBe('{"mine": true}\n');
    writeFileSync(join(dir, 'afile'), 'x');
    const f = cli(['init', 'afile'], dir);
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(/not a folder/);
  });

  it('with ringgen installed beside it, plain tsc type-checks the file through the written tsconfig.json', () => {
    const dir = tempDir();
    expect(cli(['init'], dir).status).toBe(0);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/ringgen'));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const ok = run('node', [tsc, '-p', dir]);
    expect(ok.stdout + ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const again = cli(['init', 'again'], dir);
    expect(again.stdout).not.toMatch(/npm install/);
    const config = readFileSync(join(dir, 'ring.config.ts'), 'utf8');
    writeFileSync(join(dir, 'ring.config.ts'), config.replace("tunnel: 'gre'", "tunel: 'gre'"));
    const bad = run('node', [tsc, '-p', dir]);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/'tunel' does not exist/);
  });

  it('a dangling link named tsconfig.json is kept, one named ring.config.ts refuses: nothing is written through either', () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'missing-tsconfig'), join(dir, 'tsconfig.json'));
    const r = cli(['init'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('kept your tsconfig.json');
    expect(existsSync(join(dir, 'missing-tsconfig'))).toBe(false);
    const other = tempDir();
    symlinkSync(join(other, 'elsewhere.ts'), join(other, 'ring.config.ts'));
    const f = cli(['init'], other);
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(/ring\.config\.ts already exists.*nothing written/);
    expect(existsSync(join(other, 'elsewhere.ts'))).toBe(false);
    expect(existsSync(join(other, 'tsconfig.json'))).toBe(false);
  });
});
