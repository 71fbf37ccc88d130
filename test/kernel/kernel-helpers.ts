/** Runs scripted sessions against the `gradscope` kernel through the project's Jupyter (.venv). */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as paths from '../../tools/paths';

export const root = paths.root;
export const venvPython = paths.venvPython;

export interface Output {
  msg_type: string;
  content: any;
}
export interface RequestRecord {
  code: string;
  reply: any;
  outputs: Output[];
  late: Output[];
  seconds: number | null;
  /** Seconds from the last interrupt to the request's idle status, when it was interrupted. */
  after_interrupt?: number;
}
export interface SessionRecord {
  requests: RequestRecord[];
  shutdown_reply: Output | null;
  others: Output[];
  problem: string | null;
}

export type Action =
  | { op: 'execute'; code: string; stop_on_error?: boolean; wait?: boolean; timeout?: number }
  | { op: 'interrupt' }
  | { op: 'interrupt_until_answered'; every?: number; timeout?: number }
  | { op: 'sleep'; seconds: number }
  | { op: 'wait_output'; text: string; timeout?: number }
  | { op: 'wait_all'; timeout?: number }
  | { op: 'comm_info' }
  | { op: 'is_complete'; code: string }
  | { op: 'shutdown'; restart?: boolean };

function python(script: string, args: string[], input?: string, env: Record<string, string> = {}) {
  if (!fs.existsSync(venvPython)) throw new Error(`${venvPython} is missing: run \`npm run setup\` first`);
  const result = spawnSync(venvPython, [path.join(__dirname, script), ...args], {
    cwd: root,
    input,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 950000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`${script} failed (status ${result.status}):\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

/** Runs the actions in one fresh kernel and returns what came back. */
export function session(actions: Action[], options: { cwd?: string; env?: Record<string, string> } = {}): SessionRecord {
  const env: Record<string, string> = { ...options.env, ...(options.cwd ? { GRADSCOPE_KERNEL_CWD: options.cwd } : {}) };
  const record = JSON.parse(python('session.py', [], JSON.stringify(actions), env)) as SessionRecord;
  if (record.problem) throw new Error(`kernel session: ${record.problem}\n${JSON.stringify(record, null, 2)}`);
  return record;
}

/** Executes the cells as a notebook with nbclient, errors allowed, and returns each cell's outputs. */
export function runAll(cells: string[]): { execution_count: number | null; outputs: any[] }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-run-all-'));
  try {
    const file = path.join(dir, 'cells.json');
    fs.writeFileSync(file, JSON.stringify(cells));
    return JSON.parse(python('run_all.py', [file]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const streamText = (outputs: Output[], name = 'stdout') =>
  outputs
    .filter((o) => o.msg_type === 'stream' && o.content.name === name)
    .map((o) => o.content.text)
    .join('');

/** Removes ANSI colour codes from traceback lines. */
export const plain = (lines: string[]) => lines.map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));
