// Where a match can start: the set of characters a pattern's first consumed character must be in,
// read off its compiled RE2 program (RE2's own "first byte" analysis). A search skips straight to the
// first such character, which is what makes a pattern with no literal to scan for (`\b\d+`) cheap on
// long answers that mention few digits: the engine then runs from there, not from every position.
//
// The skip uses a native RegExp that is a single character class: it matches one character or none
// at each position, so it cannot backtrack — linear, like the engine itself.

// re2js's instruction opcodes (Inst in re2js; not exported, stable since RE2/J).
const ALT = 1;
const ALT_MATCH = 2;
const CAPTURE = 3;
const EMPTY_WIDTH = 4;
const FAIL = 5;
const NOP = 7;
const RUNE = 8;
const RUNE1 = 9;
const FOLD_CASE = 1;

interface Instruction {
  op: number;
  out: number;
  arg: number;
  runes: Int32Array;
}
export interface CompiledProgram {
  start: number;
  inst: Instruction[];
}

// Simple case folding of an ASCII letter also reaches these (RE2's fold orbits): K ↔ K (Kelvin), s ↔ ſ.
const FOLD_EXTRAS: Record<number, number[]> = { 75: [0x212a], 107: [0x212a], 83: [0x17f], 115: [0x17f] };

/**
 * The character class a match's first character must belong to, or null when there is no useful
 * one: the pattern can match the empty string, starts with "any character", or folds the case of a
 * non-ASCII letter (whose fold orbit this does not model). Assertions (^, \b) are looked through:
 * they only narrow where a match starts, and the engine checks them itself.
 */
export function firstCharClass(program: CompiledProgram): RegExp | null {
  const ranges: Array<[number, number]> = [];
  const seen = new Set<number>();
  const pending = [program.start];
  while (pending.length > 0) {
    const pc = pending.pop()!;
    if (seen.has(pc)) continue;
    seen.add(pc);
    const inst = program.inst[pc]!;
    switch (inst.op) {
      case ALT:
      case ALT_MATCH:
        pending.push(inst.out, inst.arg);
        break;
      case CAPTURE:
      case NOP:
      case EMPTY_WIDTH:
        pending.push(inst.out);
        break;
      case FAIL:
        break;
      case RUNE:
      case RUNE1: {
        const runes = inst.runes;
        if ((inst.arg & FOLD_CASE) !== 0) {
          const folded = runes.length === 1 ? asciiFoldOrbit(runes[0]!) : null;
          if (!folded) return null;
          for (const rune of folded) ranges.push([rune, rune]);
        } else if (runes.length === 1) {
          ranges.push([runes[0]!, runes[0]!]);
        } else {
          for (let i = 0; i + 1 < runes.length; i += 2) ranges.push([runes[i]!, runes[i + 1]!]);
        }
        break;
      }
      default:
        // MATCH (the empty string matches), any-character runes, lookbehind bookkeeping: no skip.
        return null;
    }
  }
  if (ranges.length === 0) return null;
  const escapeRune = (rune: number) => `\\u{${rune.toString(16)}}`;
  return new RegExp(`[${ranges.map(([low, high]) => (low === high ? escapeRune(low) : `${escapeRune(low)}-${escapeRune(high)}`)).join('')}]`, 'u');
}

function asciiFoldOrbit(rune: number): number[] | null {
  const char = String.fromCodePoint(rune);
  if (!/^[A-Za-z]$/.test(char)) return rune < 0x80 && !/[A-Za-z]/.test(char) ? [rune] : null;
  const pair = [char.toLowerCase().codePointAt(0)!, char.toUpperCase().codePointAt(0)!];
  return [...pair, ...(FOLD_EXTRAS[rune] ?? [])];
}
