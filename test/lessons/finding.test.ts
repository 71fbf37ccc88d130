import { checkFinding, describeFinding, finding } from '../../src/lessons/finding';

test('a claim holds when the measured value is inside its bounds', () => {
  expect(checkFinding({ id: 'ratio', statement: 'tiny', value: 1e-9, max: 1e-6 }).holds).toBe(true);
  expect(checkFinding({ id: 'ratio', statement: 'tiny', value: 1e-3, max: 1e-6 }).holds).toBe(false);
  expect(checkFinding({ id: 'band', statement: 'near one', value: 0.7, min: 0.01, max: 100 }).holds).toBe(true);
  expect(checkFinding({ id: 'band', statement: 'near one', value: 1000, min: 0.01, max: 100 }).holds).toBe(false);
});

test('the line a learner reads names the claim, the measured number and the allowed range', () => {
  const held = checkFinding({ id: 'a', statement: "σ' is at most 0.25", value: 0.25, max: 0.25 });
  expect(describeFinding(held)).toBe("✔ σ' is at most 0.25: measured 0.25 (allowed: at most 0.25)");
  const broken = checkFinding({ id: 'b', statement: 'vanishes', value: 0.5, max: 1e-6 });
  expect(describeFinding(broken)).toBe('✘ DOES NOT HOLD: vanishes: measured 0.5 (allowed: at most 1.00e-6)');
});

test('outside a notebook a finding prints its line', () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  finding({ id: 'c', statement: 'positive', value: 2, min: 0 });
  expect(log).toHaveBeenCalledWith('✔ positive: measured 2 (allowed: at least 0)');
  log.mockRestore();
});

test.each([
  [{ id: 'Bad Id', statement: 's', value: 1, max: 2 }, /finding: id is "Bad Id"; allowed: lower-case words/],
  [{ id: 'a', statement: ' ', value: 1, max: 2 }, /finding: statement is " "; allowed: a non-empty sentence/],
  [{ id: 'a', statement: 's', value: NaN, max: 2 }, /finding: value is NaN; allowed: a number/],
  [{ id: 'a', statement: 's', value: 1 }, /finding: min and max are both missing/],
  [{ id: 'a', statement: 's', value: 1, min: NaN }, /finding: min is NaN; allowed: a number or undefined/],
])('malformed options are errors naming the field and the value: %j', (options, message) => {
  expect(() => checkFinding(options as never)).toThrow(message);
});
