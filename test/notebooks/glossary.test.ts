/**
 * notebooks/GLOSSARY.md: the terms the lessons use, each under an explicit anchor, and every
 * `[term](GLOSSARY.md#anchor)` link in the notebooks landing on one of them.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const glossary = fs.readFileSync(path.join(root, 'notebooks', 'GLOSSARY.md'), 'utf8');
const anchors = [...glossary.matchAll(/<a id="([a-z0-9-]+)"><\/a>\n### (.+)/g)].map((m) => ({ id: m[1], term: m[2] }));

test('every anchor sits on its own term, once, and each term has a definition', () => {
  expect(anchors.length).toBeGreaterThanOrEqual(20);
  expect(new Set(anchors.map((a) => a.id)).size).toBe(anchors.length);
  for (const { id } of anchors) {
    const after = glossary.split(`<a id="${id}"></a>`)[1].split('\n').slice(2).join('\n').split('<a id=')[0].trim();
    expect(after.length).toBeGreaterThan(60);
  }
});

test.each([
  'gradient-norm', 'backward-signal', 'saturation', 'update-ratio', 'dead-unit', 'vanishing-gradient', 'exploding-gradient',
  'initialisation-gain', 'batch-normalisation', 'residual-connection', 'gating', 'gradient-clipping', 'underflow', 'baseline', 'seed',
])('defines %s', (id) => {
  expect(anchors.map((a) => a.id)).toContain(id);
});

test('every glossary link in the notebooks lands on an anchor', () => {
  const ids = new Set(anchors.map((a) => a.id));
  const broken: string[] = [];
  for (const name of fs.readdirSync(path.join(root, 'notebooks')).filter((n) => n.endsWith('.ipynb'))) {
    const cells = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', name), 'utf8')).cells as { source: string | string[] }[];
    const source = cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source)).join('\n');
    for (const m of source.matchAll(/\]\(GLOSSARY\.md(?:#([^)\s]*))?\)/g)) if (m[1] !== undefined && !ids.has(m[1])) broken.push(`${name}: #${m[1]}`);
  }
  expect(broken).toEqual([]);
});
