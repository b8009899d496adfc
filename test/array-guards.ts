/**
 * Finds the array expansions of a bash script that fail under `set -u` when the array is empty on
 * a bash older than 4.4 (there an empty array is an unbound variable): `"${A[@]}"`, `"${A[*]}"`,
 * `${A[@]/x/y}` and any other form, inside a longer string too. Not counted: the guarded form
 * `${A[@]+"${A[@]}"}`, a default (`${A[*]:-none}`), the count `${#A[@]}`, an expansion on a line
 * that (or whose previous line, ending in `||`) tests the count first (`[ "${#A[@]}" -eq 0 ] ||`),
 * and an array assigned once, a non-empty literal (appending to it cannot empty it), and never unset.
 */
export function unguardedArrayExpansions(text: string): Array<{ line: number; text: string }> {
  const lines = text.split('\n');
  const found: Array<{ line: number; text: string }> = [];
  lines.forEach((line, i) => {
    if (line.trimStart().startsWith('#')) return;
    for (const m of line.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]([^}]*)\}/g)) {
      const [, name, op] = m as unknown as [string, string, string];
      if (/^(\+|:?-)/.test(op)) continue;
      const test = `[ "\${#${name}[@]}" -eq 0 ] ||`;
      if (line.includes(test) || (lines[i - 1] ?? '').trimEnd().endsWith(test)) continue;
      // Appending (`A+=(...)`) cannot empty an array; assigning can, unless it is the one literal.
      const assigned = [...text.matchAll(new RegExp(`(?<![A-Za-z0-9_])${name}=\\(([^)]*)\\)|(?<![A-Za-z0-9_])${name}=[^(]`, 'g'))];
      if (assigned.length === 1 && (assigned[0]![1] ?? '').trim() !== '' && !new RegExp(`unset\\s+${name}\\b`).test(text)) continue;
      found.push({ line: i + 1, text: line.trim() });
    }
  });
  return found;
}
