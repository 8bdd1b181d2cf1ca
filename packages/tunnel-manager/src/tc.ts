import { basename } from 'node:path';
import type { Runner } from './run.js';

export type Direction = 'ingress' | 'egress';

/** Our filters sit at one fixed priority/handle so `replace` and `del` address exactly them. */
const PREF = '49000';
const HANDLE = '0x1';

interface TcFilter {
  pref?: number;
  options?: { handle?: string; bpf_name?: string; prog?: { id: number; name: string; tag: string } };
}

export interface Attachment {
  dev: string;
  direction: Direction;
  /** Section of the object, e.g. `tc/epic_encap`. */
  section: string;
}

export async function attachedProgram(
  run: Runner,
  dev: string,
  direction: Direction,
): Promise<TcFilter['options'] | undefined> {
  let out: string;
  try {
    out = await run('tc', ['-j', 'filter', 'show', 'dev', dev, direction]);
  } catch {
    return undefined; // no clsact qdisc yet
  }
  const filters = (out.trim() ? JSON.parse(out) : []) as TcFilter[];
  return filters.find((f) => String(f.pref) === PREF && f.options?.handle === HANDLE)?.options;
}

/**
 * Attaches `section` of `object` in direct-action mode, unless that very section of that very object is
 * attached already (tc reports the object's file name, which carries a content digest: see TunnelManager).
 * `replace` swaps atomically, so re-attaching a newer object never opens a gap. Maps are pinned by name
 * under `$TC_BPF_MNT/tc/globals`, so every program of one instance shares them and they outlive the agent.
 */
export async function attach(
  run: Runner,
  a: Attachment,
  object: string,
  bpffs: string,
  force = false,
): Promise<boolean> {
  const current = await attachedProgram(run, a.dev, a.direction);
  const name = `${basename(object)}:[${a.section}]`;
  if (!force && current?.bpf_name === name) return false;
  try {
    await run('tc', ['qdisc', 'add', 'dev', a.dev, 'clsact']);
  } catch (e) {
    if (!/File exists|Exclusivity flag on/.test(String(e))) throw e;
  }
  await run(
    'tc',
    [
      'filter',
      'replace',
      'dev',
      a.dev,
      a.direction,
      'pref',
      PREF,
      'handle',
      HANDLE,
      'bpf',
      'da',
      'obj',
      object,
      'sec',
      a.section,
    ],
    { env: { TC_BPF_MNT: bpffs } },
  );
  return true;
}

export async function detach(run: Runner, a: Omit<Attachment, 'section'>): Promise<void> {
  if (!(await attachedProgram(run, a.dev, a.direction))) return;
  await run('tc', ['filter', 'del', 'dev', a.dev, a.direction, 'pref', PREF, 'handle', HANDLE, 'bpf']);
}

/** Removes the clsact qdisc when no filter is left on it (ours were the only ones). */
export async function removeClsactIfEmpty(run: Runner, dev: string): Promise<void> {
  for (const direction of ['ingress', 'egress'] as const) {
    const out = await run('tc', ['-j', 'filter', 'show', 'dev', dev, direction]).catch(() => '[]');
    if ((out.trim() ? (JSON.parse(out) as unknown[]) : []).length > 0) return;
  }
  await run('tc', ['qdisc', 'del', 'dev', dev, 'clsact']).catch(() => undefined);
}
