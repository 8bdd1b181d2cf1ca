/**
 * Why Envoy would reject a regular expression, or undefined if it would not. Envoy compiles with RE2, which
 * has no lookaround or backreferences; JavaScript's parser catches the remaining syntax errors.
 */
export function regexProblem(value: string): string | undefined {
  // Envoy's RegexMatcher requires a non-empty pattern.
  if (value === '') return 'an empty regular expression is not supported';
  if (/\(\?<?[=!]|\\[1-9]/.test(value))
    return `${value}: lookaround and backreferences are not supported (RE2)`;
  try {
    new RegExp(value);
    return undefined;
  } catch (e) {
    return `${value}: ${(e as Error).message}`;
  }
}
