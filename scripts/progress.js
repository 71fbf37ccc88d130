#!/usr/bin/env node
/**
 * npm run progress: which exercises the learner has passed, lesson by lesson, read from the saved notebooks.
 *
 * Each check cell leaves an `application/vnd.gradscope.exercise+json` record in its output when it runs;
 * saving the notebook keeps it. This command reads those records from every lesson notebook (NN-*.ipynb)
 * in the folder and prints one line per lesson. It only reads: the notebooks are never written.
 *
 * usage: npm run progress [-- FOLDER]     (default: notebooks/)
 */
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..');
let progress;
try {
  progress = require(path.join(root, 'dist', 'lessons', 'progress.js'));
} catch (error) {
  console.error(`progress: the library is not built (${error.message}); run \`npm run build\` first`);
  process.exit(2);
}
const folder = process.argv[2] ?? path.join(root, 'notebooks');
try {
  console.log(progress.describeProgress(progress.readProgress(folder)));
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
