import { RE2JS, RE2JSException } from 're2js';

// The one regular-expression engine of EPIC's data plane: Envoy's `safe_regex` is RE2 (linear time; no
// lookaround, no backreferences, repetition counts up to 1000, no `\Z`), so every regex a route carries is
// validated with RE2's parser and evaluated with RE2's automaton (re2js, a pure-JavaScript port of RE2J).
// JavaScript's backtracking RegExp must never see a user's pattern: `(a+)+b` takes exponential time there.

/** Envoy's RegexMatcher requires a non-empty pattern; the Gateway API caps values at 1024 characters. */
const MAX_COMPILED = 512;
const compiled = new Map<string, RE2JS | Error>();

function compile(pattern: string): RE2JS | Error {
  const hit = compiled.get(pattern);
  if (hit !== undefined) return hit;
  let out: RE2JS | Error;
  try {
    out = RE2JS.compile(pattern);
  } catch (e) {
    out = e instanceof RE2JSException ? e : new Error(String(e));
  }
  // Bounded memo: a trace or a render evaluates the same few patterns many times.
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(pattern, out);
  return out;
}

/**
 * Envoy refuses a regex whose RE2 program is larger than the runtime key `re2.max_program_size.error_level`,
 * 100 by default (RegexMatcher docs: validation belongs on the management server). re2js compiles runes where
 * RE2 compiles UTF-8 bytes, so its count is a lower bound of Envoy's (`.` and Unicode classes cost more
 * there): what is refused here Envoy refuses too.
 */
export const ENVOY_MAX_REGEX_PROGRAM_SIZE = 100;

function programSize(re: RE2JS): number | undefined {
  const prog = (re as unknown as { re2Input?: { prog?: { numInst?: () => number } } }).re2Input?.prog;
  return typeof prog?.numInst === 'function' ? prog.numInst() : undefined;
}

/** Why RE2 (and therefore Envoy) would reject `pattern`, or undefined if it compiles. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern === '') return 'an empty regular expression is not supported';
  const re = compile(pattern);
  if (re instanceof Error)
    return `not a valid RE2 regular expression: ${re.message.replace(/^error parsing regexp: /, '')}`;
  const size = programSize(re);
  if (size !== undefined && size > ENVOY_MAX_REGEX_PROGRAM_SIZE)
    return `RE2 program size ${size} is over Envoy's limit of ${ENVOY_MAX_REGEX_PROGRAM_SIZE} (re2.max_program_size.error_level); simplify the expression`;
  return undefined;
}

/**
 * Whether `value` matches `pattern` as a whole, as Envoy's safe_regex matchers do (path, header and query
 * matchers use a full match, not a search). An invalid pattern matches nothing.
 */
export function regexFullMatch(pattern: string, value: string): boolean {
  const re = compile(pattern);
  return re instanceof Error ? false : re.matches(value);
}

/**
 * Envoy's `regex_rewrite`: every non-overlapping match of `pattern` in `value` replaced by `substitution`,
 * in which `\1`…`\9` name capture groups and `\0` the whole match (RE2::GlobalReplace). Undefined when the
 * pattern is invalid.
 */
export function regexReplaceAll(pattern: string, value: string, substitution: string): string | undefined {
  const re = compile(pattern);
  if (re instanceof Error) return undefined;
  // Translate RE2's `\N` into re2js's `$N` (`\0` is `$&`); a literal `$` becomes `$$`, `\\` one backslash.
  let repl = '';
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i] ?? '';
    const next = substitution[i + 1] ?? '';
    if (c === '\\' && /[0-9]/.test(next)) {
      repl += next === '0' ? '$&' : `$${next}`;
      i++;
    } else if (c === '\\' && next === '\\') {
      repl += '\\';
      i++;
    } else if (c === '$') repl += '$$';
    else repl += c;
  }
  try {
    return re.matcher(value).replaceAll(repl);
  } catch {
    return undefined;
  }
}
