/**
 * The library's shape, checked: data flows one way through the folders of src/, in this order, and no
 * folder imports a folder later in the flow. `npm test` runs this (test/architecture/layers.test.ts); by
 * hand: `npx depcruise src --config .dependency-cruiser.js`.
 *
 *   core -> datasets -> models -> probes -> training -> records -> diagnosis -> plots -> export -> display -> lessons
 *
 * `core/` is the ground floor every stage may use (argument checks, losses, backend, random numbers, the
 * notebook bridge, shared data types). src/index.ts and src/advanced.ts sit on top and may import anything;
 * nothing inside src/ imports them.
 */
const FLOW = ['core', 'datasets', 'models', 'probes', 'training', 'records', 'diagnosis', 'plots', 'export', 'display', 'lessons'];

const backEdges = FLOW.slice(0, -1).map((folder, i) => ({
  name: `no-back-edge-from-${folder}`,
  comment: `src/${folder}/ comes before ${FLOW.slice(i + 1).join(', ')} in the flow, so it may not import them`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: `^src/(${FLOW.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...backEdges,
    {
      name: 'no-circular',
      comment: 'two modules that import each other, directly or through others',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-import-of-the-index',
      comment: 'the public index (src/index.ts, src/advanced.ts) is for users; library code imports the module it needs',
      severity: 'error',
      from: { path: '^src/.+/' },
      to: { path: '^src/(index|advanced)\\.ts$' },
    },
    {
      name: 'only-known-folders',
      comment: `every folder of src/ has a place in the flow (${FLOW.join(' -> ')}); add a new one to FLOW`,
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/[^/]+/', pathNot: `^src/(${FLOW.join('|')})/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
