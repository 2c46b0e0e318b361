// JavaScript regular expression syntax, rewritten for RE2 (re2js): callers write the patterns they
// know, and they run on a linear-time engine. The input is a pattern that `new RegExp(pattern,
// flags)` accepted, so only valid syntax reaches here. What RE2 cannot run — backreferences and
// lookaround — throws UnsupportedPattern; so does what RE2 itself refuses when compiling.
//
// Kept to JavaScript's meaning: `.` stops at \n, \r, U+2028 and U+2029 (not only \n), `\s` is
// JavaScript's whitespace (RE2's is ASCII), `[^]` is any character, and escapes RE2 reads differently
// (\A, \z, \Q, \C, \pL without u, …) stay literal letters as in JavaScript.

export class UnsupportedPattern extends Error {}

/** JavaScript's \s: WhiteSpace and LineTerminator code points, as ranges. */
const WHITESPACE: Array<[number, number]> = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS = '\\n\\r\\x{2028}\\x{2029}';
const MAX_CODE_POINT = 0x10ffff;

const hex = (code: number) => `\\x{${code.toString(16)}}`;
const ranges = (list: Array<[number, number]>) => list.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
const WHITESPACE_RANGES = ranges(WHITESPACE);
const NOT_WHITESPACE_RANGES = ranges(complement(WHITESPACE));

function complement(list: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of list) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

/** Long General_Category names JavaScript accepts in \p{…}; RE2 knows the short ones. */
const CATEGORY_ALIASES: Record<string, string> = {
  Letter: 'L', Cased_Letter: 'LC', Uppercase_Letter: 'Lu', Lowercase_Letter: 'Ll', Titlecase_Letter: 'Lt', Modifier_Letter: 'Lm',
  Other_Letter: 'Lo', Mark: 'M', Combining_Mark: 'M', Nonspacing_Mark: 'Mn', Spacing_Mark: 'Mc', Enclosing_Mark: 'Me', Number: 'N',
  Decimal_Number: 'Nd', digit: 'Nd', Letter_Number: 'Nl', Other_Number: 'No', Punctuation: 'P', punct: 'P', Connector_Punctuation: 'Pc',
  Dash_Punctuation: 'Pd', Open_Punctuation: 'Ps', Close_Punctuation: 'Pe', Initial_Punctuation: 'Pi', Final_Punctuation: 'Pf',
  Other_Punctuation: 'Po', Symbol: 'S', Math_Symbol: 'Sm', Currency_Symbol: 'Sc', Modifier_Symbol: 'Sk', Other_Symbol: 'So',
  Separator: 'Z', Space_Separator: 'Zs', Line_Separator: 'Zl', Paragraph_Separator: 'Zp', Other: 'C', Control: 'Cc', cntrl: 'Cc',
  Format: 'Cf', Surrogate: 'Cs', Private_Use: 'Co', Unassigned: 'Cn',
};

const isHex = (text: string) => /^[0-9A-Fa-f]+$/.test(text);
const isWordChar = (char: string) => /^[A-Za-z0-9_]$/.test(char);
const QUANTIFIER = /^\{\d+(?:,\d*)?\}/;

export interface TranslateOptions {
  /** The u flag: \p{…} and \u{…} are escapes, and identity escapes are only for syntax characters. */
  unicode: boolean;
  /** The s flag: `.` matches line terminators too. */
  dotAll: boolean;
}

/** RE2 syntax with the meaning `pattern` has in JavaScript (flags i and m are applied by the caller). */
export function translateToRe2(pattern: string, { unicode, dotAll }: TranslateOptions): string {
  let out = '';
  let i = 0;
  /** Inside [...]: where it opened, and whether the last item was a class escape (\d, \s, …), for "-". */
  let inClass = false;
  let classStart = 0;
  let lastWasClassEscape = false;

  /** The escape at pattern[i] ("\\" + …): its RE2 form, how many characters it took, and whether it is a class escape. */
  const readEscape = (): { re2: string; length: number; classEscape?: boolean } => {
    const next = pattern[i + 1] ?? '';
    const rest = pattern.slice(i + 2);
    switch (next) {
      case 'd': case 'D': case 'w': case 'W':
        return { re2: `\\${next}`, length: 2, classEscape: true };
      case 's':
        return { re2: inClass ? WHITESPACE_RANGES : `[${WHITESPACE_RANGES}]`, length: 2, classEscape: true };
      case 'S':
        return { re2: inClass ? NOT_WHITESPACE_RANGES : `[${NOT_WHITESPACE_RANGES}]`, length: 2, classEscape: true };
      case 'b':
        return { re2: inClass ? '\\x{8}' : '\\b', length: 2 };
      case 'B':
        return { re2: inClass ? 'B' : '\\B', length: 2 };
      case 't': case 'n': case 'r': case 'v': case 'f':
        return { re2: `\\${next}`, length: 2 };
      case '0':
        if (/^[0-9]/.test(rest)) throw new UnsupportedPattern('legacy octal escapes (\\0 followed by a digit) are not supported; write \\x{…} instead');
        return { re2: '\\x{0}', length: 2 };
      case 'c': {
        const letter = rest[0] ?? '';
        if (/^[A-Za-z]$/.test(letter)) return { re2: hex(letter.charCodeAt(0) % 32), length: 3 };
        return { re2: '\\\\c', length: 2 };
      }
      case 'x':
        if (isHex(rest.slice(0, 2)) && rest.length >= 2) return { re2: hex(Number.parseInt(rest.slice(0, 2), 16)), length: 4 };
        return { re2: 'x', length: 2 };
      case 'u':
        return unicodeEscape(rest);
      case 'p': case 'P': {
        if (!unicode) return { re2: next, length: 2 };
        const close = rest.indexOf('}');
        const property = rest.slice(1, close);
        return { re2: `\\${next}{${unicodeProperty(property)}}`, length: 3 + close, classEscape: true };
      }
      case 'k':
        throw new UnsupportedPattern('backreferences (\\k<name>) are not supported by the linear-time regex engine');
      default:
        if (/^[1-9]$/.test(next)) throw new UnsupportedPattern(`backreferences (\\${next}) are not supported by the linear-time regex engine`);
        return identityEscape();
    }
  };

  const unicodeEscape = (rest: string): { re2: string; length: number } => {
    if (unicode && rest.startsWith('{')) {
      const close = rest.indexOf('}');
      return { re2: hex(Number.parseInt(rest.slice(1, close), 16)), length: 3 + close };
    }
    const unit = rest.slice(0, 4);
    if (unit.length < 4 || !isHex(unit)) return { re2: 'u', length: 2 };
    const code = Number.parseInt(unit, 16);
    // A surrogate pair written as two escapes is one code point, which is what RE2 matches on.
    const low = /^\\u([dD][c-fC-F][0-9A-Fa-f]{2})/.exec(rest.slice(4));
    if (code >= 0xd800 && code <= 0xdbff && low) {
      const point = 0x10000 + ((code - 0xd800) << 10) + (Number.parseInt(low[1]!, 16) - 0xdc00);
      return { re2: hex(point), length: 12 };
    }
    return { re2: hex(code), length: 6 };
  };

  /** "\." and friends: RE2 takes any escaped ASCII punctuation; an escaped letter or other character is itself in JavaScript. */
  const identityEscape = (): { re2: string; length: number } => {
    const char = String.fromCodePoint(pattern.codePointAt(i + 1)!);
    if (/^[!-/:-@[-`{-~]$/.test(char)) return { re2: `\\${char}`, length: 2 };
    return { re2: literal(char), length: 1 + char.length };
  };

  while (i < pattern.length) {
    const char = pattern[i]!;
    if (char === '\\') {
      const { re2, length, classEscape = false } = readEscape();
      if (inClass && pattern[i + length] === '-' && classEscape) {
        // [\w-x] in JavaScript is \w, "-" and x; RE2 would read a range.
        out += `${re2}\\-`;
        i += length + 1;
        lastWasClassEscape = false;
        continue;
      }
      out += re2;
      i += length;
      lastWasClassEscape = classEscape;
      continue;
    }
    if (inClass) {
      if (char === ']' && i > classStart) {
        inClass = false;
        out += ']';
      } else if (char === '-' && (lastWasClassEscape || /^\\[dDwWsSpP]/.test(pattern.slice(i + 1, i + 3)))) {
        out += '\\-';
      } else if (char === '[') {
        // RE2 reads "[:alpha:]" inside a class as a POSIX class; in JavaScript "[" is itself.
        out += '\\[';
      } else {
        const point = String.fromCodePoint(pattern.codePointAt(i)!);
        out += point;
        i += point.length - 1;
      }
      lastWasClassEscape = false;
      i += 1;
      continue;
    }
    switch (char) {
      case '[': {
        if (pattern.startsWith('[]', i)) {
          out += `[^\\x{0}-\\x{10ffff}]`;
          i += 2;
          continue;
        }
        if (pattern.startsWith('[^]', i)) {
          out += `[\\x{0}-\\x{10ffff}]`;
          i += 3;
          continue;
        }
        inClass = true;
        const negated = pattern[i + 1] === '^';
        out += negated ? '[^' : '[';
        i += negated ? 2 : 1;
        // A "]" right after "[" or "[^" would close the class in JavaScript: handled above as [] and [^].
        classStart = i;
        lastWasClassEscape = false;
        continue;
      }
      case '(':
        if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i)) {
          throw new UnsupportedPattern('lookahead ((?=…), (?!…)) is not supported by the linear-time regex engine');
        }
        if (pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) {
          throw new UnsupportedPattern('lookbehind ((?<=…), (?<!…)) is not supported by the linear-time regex engine');
        }
        if (pattern.startsWith('(?<', i)) {
          out += '(?P<';
          i += 3;
          continue;
        }
        out += '(';
        i += 1;
        continue;
      case '.':
        out += dotAll ? '(?s:.)' : `[^${LINE_TERMINATORS}]`;
        i += 1;
        continue;
      case '{': {
        // Outside a quantifier, JavaScript (without u) takes "{" literally.
        const quantifier = QUANTIFIER.exec(pattern.slice(i));
        if (quantifier) {
          out += quantifier[0];
          i += quantifier[0].length;
        } else {
          out += '\\{';
          i += 1;
        }
        continue;
      }
      case '}':
      case ']':
        out += `\\${char}`;
        i += 1;
        continue;
      default: {
        const point = String.fromCodePoint(pattern.codePointAt(i)!);
        out += point;
        i += point.length;
      }
    }
  }
  return out;
}

/** A character as an RE2 literal: word characters and others as they are, RE2 syntax characters escaped. */
function literal(char: string): string {
  if (isWordChar(char) || char.codePointAt(0)! > 0x7f) return char;
  return /^[\\.+*?()|[\]{}^$]$/.test(char) ? `\\${char}` : char;
}

/** The RE2 name of a JavaScript \p{…} property: a category or a script. */
function unicodeProperty(property: string): string {
  const [name, value] = property.includes('=') ? property.split('=') as [string, string] : [undefined, property];
  if (name === 'General_Category' || name === 'gc' || name === undefined) return CATEGORY_ALIASES[value] ?? value;
  if (name === 'Script' || name === 'sc' || name === 'Script_Extensions' || name === 'scx') return value;
  throw new UnsupportedPattern(`the Unicode property ${property} is not supported by the linear-time regex engine`);
}
