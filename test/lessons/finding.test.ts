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
  [{ id: 'Bad Id', statement: 's', value: 1, max: 2 }, /checkFinding: id is "Bad Id"; allowed: lower-case words/],
  [{ id: 'a', statement: ' ', value: 1, max: 2 }, /checkFinding: statement is " "; allowed: a non-empty sentence/],
  [{ id: 'a', statement: 's', value: NaN, max: 2 }, /checkFinding: value is NaN; allowed: a finite number/],
  [{ id: 'a', statement: 's', value: 1 }, /checkFinding: min and max are both missing/],
  [{ id: 'a', statement: 's', value: 1, min: NaN }, /checkFinding: min is NaN; allowed: a finite number or undefined/],
  [{ id: 'a', statement: 's', value: 1, maximum: 10 }, /^checkFinding: unknown field 'maximum' in options; allowed fields: id, statement, value, min, max \(did you mean 'max'\?\)$/],
  [{ id: 'a', statement: 's', value: Infinity, max: 2 }, /^checkFinding: value is Infinity; allowed: a finite number/],
  [{ id: 'a', statement: 's', value: -Infinity, min: 0 }, /^checkFinding: value is -Infinity; allowed: a finite number/],
  [{ id: 'a', statement: 's', value: 1, max: Infinity }, /^checkFinding: max is Infinity; allowed: a finite number or undefined/],
  [{ id: 'a', statement: 's', value: 1, min: 5, max: 2 }, /^checkFinding: min is 5; allowed: a number at most max \(2\)/],
])('malformed options are errors naming the field and the value: %j', (options, message) => {
  expect(() => checkFinding(options as never)).toThrow(message);
});
