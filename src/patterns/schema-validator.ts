// JSON Schema validation of caller-supplied schemas with a bounded cost: the schema is checked for
// size, depth and $ref expansion first, its patterns run on the linear-time engine (compiled once per
// schema), and each validation has a budget of steps, so no single answer can cost more than about
// VALIDATION_STEPS subschema checks (about 50 ms at the slowest measured).
import { dereference, type Schema, type SchemaDraft, type ValidationResult } from '@cfworker/json-schema';
import { schemaExpansionProblem, schemaPatterns, schemaShapeProblem } from './schema-bounds';
import { compileUserRegex, regexProblem, type UserRegex } from './user-regex';
import { validateWithin, type ValidationRun } from './vendor/cfworker-validate';

/** Steps one validation may take: a step is one subschema applied to one value, or work costing about as much. */
export const VALIDATION_STEPS = 10_000;
// What costs one step, measured against a subschema visit (2-4 µs on a loaded 2-core machine): value
// comparisons (~40 ns), characters read or written into a message (~15-25 ns), characters through a
// format check (~40-160 ns: some split the string), regex work (program instructions × characters, up to ~50 ns each), and
// errors (made, then copied up through each enclosing subschema: ~1-2 µs).
const COMPARISONS_PER_STEP = 100;
const CHARS_PER_STEP = 150;
const FORMAT_CHARS_PER_STEP = 25;
const REGEX_WORK_PER_STEP = 80;
const ERRORS_PER_STEP = 2;

export class ValidationBudgetExceeded extends Error {}

/** JSON Schema patterns are ECMA-262 regular expressions with the u flag. */
const SCHEMA_REGEX_FLAGS = 'u';

/**
 * Why the schema cannot be used, or null: too large (see schema-bounds.ts), a pattern the
 * linear-time engine cannot run, or something @cfworker/json-schema refuses (a duplicate $id…).
 */
export function schemaProblem(schema: boolean | Record<string, unknown>): string | null {
  let lookup: Record<string, Schema | boolean>;
  try {
    // Checked before dereference walks it: the walk recurses as deep as the schema nests.
    const shape = schemaShapeProblem(schema);
    if (shape) return shape;
    lookup = dereference(schema as Schema | boolean);
  } catch (error) {
    return `is not a usable JSON Schema: ${(error as Error).message}`;
  }
  const expansion = schemaExpansionProblem(schema, (node) => lookup[refOf(node)]);
  if (expansion) return expansion;
  for (const { pattern, at } of schemaPatterns(schema)) {
    const problem = regexProblem(pattern, SCHEMA_REGEX_FLAGS);
    if (problem) return `pattern "${pattern}" (at ${at}): ${problem.message}`;
  }
  return null;
}

/** Where @cfworker/json-schema looks a schema's $ref (or $recursiveRef) up, as dereference() resolved it. */
function refOf(node: Record<string, unknown>): string {
  const resolved = node.__absolute_ref__ ?? node.__absolute_recursive_ref__ ?? node.$ref ?? node.$recursiveRef;
  return String(resolved);
}

export class BoundedSchemaValidator {
  private readonly lookup: Record<string, Schema | boolean>;
  private readonly patterns = new Map<string, UserRegex>();

  /** Throws when dereferencing fails; check the schema with schemaProblem() first. */
  constructor(
    private readonly schema: boolean | Record<string, unknown>,
    private readonly draft: SchemaDraft,
    private readonly shortCircuit = false,
  ) {
    this.lookup = dereference(schema as Schema | boolean);
  }

  /** Throws ValidationBudgetExceeded when the answer needs more than VALIDATION_STEPS. */
  validate(instance: unknown): ValidationResult {
    let steps = 0;
    const charge = (cost: number) => {
      steps += cost;
      if (steps > VALIDATION_STEPS) {
        throw new ValidationBudgetExceeded(`validating it takes more than the ${VALIDATION_STEPS.toLocaleString('en-US')} steps one answer may take`);
      }
    };
    const run: ValidationRun = {
      visit: () => charge(1),
      compare: (count) => charge(count / COMPARISONS_PER_STEP),
      scan: (chars) => charge(chars / CHARS_PER_STEP),
      format: (chars) => charge(chars / FORMAT_CHARS_PER_STEP),
      errors: (count) => charge(count / ERRORS_PER_STEP),
      pattern: (source, chars) => {
        let regex = this.patterns.get(source);
        if (!regex) this.patterns.set(source, (regex = compileUserRegex(source, SCHEMA_REGEX_FLAGS)));
        charge(regex.work(chars) / REGEX_WORK_PER_STEP);
        return regex;
      },
    };
    return validateWithin(run, instance, this.schema as Schema | boolean, this.draft, this.lookup, this.shortCircuit);
  }
}
