/** `Name: value` lines → the trace API's headers (a repeated name becomes a list). */
export function parseHeaderLines(text: string): {
  headers: Record<string, string | string[]>;
  bad: number[];
} {
  const headers: Record<string, string | string[]> = {};
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const at = line.indexOf(':');
    const name = at > 0 ? line.slice(0, at).trim().toLowerCase() : '';
    if (!name || /\s/.test(name)) {
      bad.push(i + 1);
      return;
    }
    const value = line.slice(at + 1).trim();
    const prev = headers[name];
    headers[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  });
  return { headers, bad };
}
