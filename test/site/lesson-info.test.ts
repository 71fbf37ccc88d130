/**
 * What the course site's home page reads from a lesson's markdown: title, learning objectives, estimated time,
 * and the first paragraph when no objectives are stated (course-site/lesson_info.py, run by the project's Python).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

test('lesson_info reads objectives and times in the shapes lessons write them, and falls back to the first paragraph', () => {
  const run = spawnSync(path.join(ROOT, '.venv', 'bin', 'python'), [path.join(__dirname, 'check_lesson_info.py')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`check_lesson_info.py failed (exit ${run.status}):\n${run.stderr}`);
  const cases = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
  expect(cases).toHaveLength(3);
  for (const c of cases) expect({ case: c.case, read: c.got }).toEqual({ case: c.case, read: c.expected });
});
