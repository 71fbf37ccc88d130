import { EXERCISE_MIME_TYPE, ExerciseRecord, checkExercise, exerciseBundle, gradeExercise } from '../../src/lessons/exercise';

const hint = "Read the ratio off the table above: first layer's value divided by the last layer's.";
const grade = (options: Record<string, unknown>) => gradeExercise({ exercise: '02-1', hint, ...options } as never) as ExerciseRecord;

describe('a numeric answer compared with what the run measured', () => {
  test('passes within the relative tolerance and fails outside it', () => {
    expect(grade({ answer: 102, expected: 100 }).passed).toBe(true);
    expect(grade({ answer: 106, expected: 100 }).passed).toBe(false);
    expect(grade({ answer: 106, expected: 100, tolerance: 0.1 }).passed).toBe(true);
    expect(grade({ answer: -0.98, expected: -1 }).passed).toBe(true);
  });

  test('expected may be a function measuring the value from the learner\'s run', () => {
    const measured = [3e-7, 2e-3];
    expect(grade({ answer: 1.5e-4, expected: () => measured[0] / measured[1] }).passed).toBe(true);
    expect(grade({ answer: 1.5e-3, expected: () => measured[0] / measured[1] }).passed).toBe(false);
  });

  test('absolute tolerance for values near zero, factor for orders of magnitude', () => {
    expect(grade({ answer: 0.004, expected: 0, absolute: 0.01 }).passed).toBe(true);
    expect(grade({ answer: 0.02, expected: 0, absolute: 0.01 }).passed).toBe(false);
    expect(grade({ answer: 3e-6, expected: 1e-5, factor: 10 }).passed).toBe(true);
    expect(grade({ answer: 3e-7, expected: 1e-5, factor: 10 }).passed).toBe(false);
  });

  test('a one-element tensor-like answer is read as its number', () => {
    const tensorLike = { size: 1, dataSync: () => new Float32Array([100]) };
    expect(grade({ answer: tensorLike, expected: 100 }).passed).toBe(true);
  });
});

describe('the record a check writes', () => {
  test('a right answer: passed, "✓ Correct", no hint', () => {
    const r = grade({ answer: 100, expected: 100, praise: 'That is the vanishing factor.' });
    expect(r).toEqual({ lesson: '02', exercise: '02-1', passed: true, answered: true, message: '✓ Correct (exercise 02-1). That is the vanishing factor.' });
  });

  test('a wrong answer: "Not yet: <hint>" and never the expected value', () => {
    const r = grade({ answer: 12345, expected: 98765 });
    expect(r.passed).toBe(false);
    expect(r.message).toBe(`Not yet: ${hint}`);
    expect(r.hint).toBe(hint);
    expect(JSON.stringify(r)).not.toMatch(/98765|9\.88|98800/);
  });

  test.each([
    [undefined, /no answer yet \(your answer is undefined\)/],
    [null, /no answer yet \(your answer is null\)/],
    [NaN, /no answer yet \(your answer is NaN\)/],
    ['', /no answer yet/],
    ['0.3', /your answer is the text "0.3", but this exercise expects a number/],
    [[1, 2], /your answer is an array of length 2, but this exercise expects a number/],
    [Infinity, /your answer is Infinity; a finite number is expected/],
    [() => 3, /your answer is a function, but this exercise expects a number/],
  ])('a missing or wrong-typed answer (%p) is "not yet" with a sentence, not an error', (answer, why) => {
    const r = grade({ answer, expected: 100 });
    expect(r.passed).toBe(false);
    expect(r.message).toMatch(/^Not yet: /);
    expect(r.message).toMatch(new RegExp(why.source, 'i'));
    expect(r.message).toContain(hint);
  });

  test('answered is false only for a missing answer', () => {
    expect(grade({ answer: undefined, expected: 1 }).answered).toBe(false);
    expect(grade({ answer: 7, expected: 1 }).answered).toBe(true);
  });

  test('when the value to compare with cannot be measured, the learner is told to re-run the cells above', () => {
    const r = grade({ answer: 1, expected: () => { throw new ReferenceError('norms is not defined'); } });
    expect(r.passed).toBe(false);
    expect(r.message).toMatch(/could not measure the value to compare with \(ReferenceError: norms is not defined\); re-run the cells above in order/);
    expect(grade({ answer: 1, expected: () => NaN }).message).toMatch(/the value measured above is NaN/i);
  });
});

describe('strings and booleans', () => {
  test('strings compare trimmed and case-insensitively; booleans exactly', () => {
    expect(grade({ answer: ' Dense_1 ', expected: 'dense_1' }).passed).toBe(true);
    expect(grade({ answer: 'dense_4', expected: 'dense_1' }).passed).toBe(false);
    expect(grade({ answer: true, expected: true }).passed).toBe(true);
    expect(grade({ answer: false, expected: true }).passed).toBe(false);
    expect(grade({ answer: 'yes', expected: true }).message).toMatch(/expects true or false/);
  });
});

describe("the lesson's own check function", () => {
  test('true / false, or { passed, hint } with a hint aimed at that answer', () => {
    const check = (a: number) => (a > 0 ? true : { passed: false, hint: 'A norm is never negative.' });
    expect(grade({ answer: 3, check }).passed).toBe(true);
    const r = grade({ answer: -3, check });
    expect(r.passed).toBe(false);
    expect(r.message).toBe('Not yet: A norm is never negative.');
  });

  test("a learner's function that throws is reported, not thrown", () => {
    const learnerProbe = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'shape')");
    };
    const r = grade({ answer: learnerProbe, check: (f: () => number) => f() === 1 });
    expect(r.passed).toBe(false);
    expect(r.message).toMatch(/^Not yet: Checking your answer raised TypeError: Cannot read properties of undefined \(reading 'shape'\)\. /);
  });

  test('a check returning false for a missing answer says there is no answer', () => {
    expect(grade({ answer: undefined, check: (a: unknown) => typeof a === 'function' }).message).toMatch(/no answer yet/);
  });

  test('an async check gives a promise of the record', async () => {
    const r = await gradeExercise({ exercise: '03-2', hint, answer: 2, check: async (a: number) => a === 2 });
    expect(r.passed).toBe(true);
    const rejected = await gradeExercise({ exercise: '03-2', hint, answer: 2, check: async () => { throw new Error('diverged'); } });
    expect(rejected.message).toMatch(/raised Error: diverged/);
  });
});

describe('a check written wrongly by the lesson is an error naming the field', () => {
  test.each([
    [{ exercise: '2-1', answer: 1, expected: 1, hint }, /checkExercise: exercise is "2-1"; allowed: the lesson number and the exercise number, e.g. '02-1'/],
    [{ exercise: '02-1', answer: 1, expected: 1, hint: '' }, /checkExercise: hint is ""; allowed: a non-empty sentence/],
    [{ exercise: '02-1', answer: 1, hint }, /checkExercise: expected and check are both missing; allowed: exactly one of/],
    [{ exercise: '02-1', expected: 1, hint }, /the field 'answer' is missing/],
    [{ exercise: '02-1', answer: 1, expected: 1, hint, tolerence: 0.1 }, /unknown field 'tolerence'/],
    [{ exercise: '02-1', answer: 1, expected: 1, hint, factor: 1 }, /factor is 1; allowed: a finite number greater than 1/],
    [{ exercise: '02-1', answer: 1, expected: 1, hint, tolerance: -1 }, /tolerance is -1; allowed: a finite number of at least 0/],
  ])('%j', (options, message) => {
    expect(() => gradeExercise(options as never)).toThrow(message);
  });
});

describe('checkExercise shows the result', () => {
  test('outside a notebook it prints the line and returns nothing', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(checkExercise({ exercise: '01-1', answer: undefined, expected: 0.25, hint: "Where is σ'(x) largest?" })).toBeUndefined();
    expect(log).toHaveBeenCalledWith("Not yet: There is no answer yet (your answer is undefined); set it in the starter cell and run that cell. Where is σ'(x) largest?");
    log.mockRestore();
  });

  test('the bundle a notebook shows: HTML, plain text and the exercise record (HTML-escaped)', () => {
    const right = exerciseBundle(gradeExercise({ exercise: '01-1', answer: 0.25, expected: 0.25, hint: 'h' }) as ExerciseRecord);
    const wrong = exerciseBundle(gradeExercise({ exercise: '01-1', answer: '<b>', expected: 0.25, hint: 'h' }) as ExerciseRecord);
    expect(right[EXERCISE_MIME_TYPE]).toEqual(expect.objectContaining({ exercise: '01-1', passed: true }));
    expect(right['text/plain']).toBe('✓ Correct (exercise 01-1).');
    expect(right['text/html']).toMatch(/data-passed="true"/);
    expect(wrong[EXERCISE_MIME_TYPE]).toEqual(expect.objectContaining({ passed: false, hint: 'h' }));
    expect(wrong['text/html']).toContain('&#60;b&#62;');
    expect(wrong['text/html']).not.toContain('<b>');
  });
});
