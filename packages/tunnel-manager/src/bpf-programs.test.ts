import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COUNTER_NAMES,
  TC_ACT_OK,
  TC_ACT_SHOT,
  decodeReturnFlowKey,
  decodeTunnelRef,
  encodeAnyServiceKey,
  encodeReturnFlowKey,
  returnFlowMapFor,
  serviceMapFor,
  encodeTunnelKey,
  encodeTunnelRef,
  encodeTunnelValue,
  sumPerCpu,
  type VectorCase,
} from '@epic/gue-wire';
import { PinnedMap } from './bpf-map.js';
import { runner } from './run.js';
import {
  bpfObject,
  bpfUnavailableReason,
  buildBpf,
  testRunner,
  vectorsFile,
} from './test-support/bpf-env.js';

// BPF_PROG_TEST_RUN on the golden vectors shared with @epic/gue-wire: the maps are programmed with the
// same serialisation the tunnel manager uses, then each program runs on the crafted frame.
const unavailable = bpfUnavailableReason();
if (unavailable) console.warn(`skipping BPF program tests: ${unavailable}`);
const cases = (JSON.parse(readFileSync(vectorsFile, 'utf8')) as { cases: VectorCase[] }).cases;
const ARP = '0200000000000b0200000000000a0806' + '01'.repeat(28);
const run = runner();
let bpffs = '';

// Programs run in a namespace of their own whose loopback (the test-run device) has a 1500-byte MTU, as a
// NIC would: the MTU checks and MSS clamping see a realistic link.
const netns = `gue-unit-${process.pid}`;

function testRun(
  pinRoot: string,
  program: string,
  mark: number,
  hex: string,
): { retval: number; data: string } {
  const argv = ['netns', 'exec', netns, testRunner, bpfObject, pinRoot, program, String(mark), hex];
  const out = execFileSync('ip', argv, { encoding: 'utf8' });
  return JSON.parse(out) as { retval: number; data: string };
}

async function counters(pinRoot: string): Promise<Record<string, bigint>> {
  const slots = await new PinnedMap(run, join(pinRoot, 'gue_counters')).dumpPerCpu();
  return Object.fromEntries(
    slots.map((s) => [COUNTER_NAMES[s.key[0] as number] as string, sumPerCpu(s.values)]),
  );
}

describe.skipIf(unavailable !== undefined)('GUE TC programs under BPF_PROG_TEST_RUN (golden vectors)', () => {
  beforeAll(() => {
    buildBpf();
    execFileSync('ip', ['netns', 'add', netns]);
    execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'mtu', '1500', 'up']);
    bpffs = mkdtempSync(join(tmpdir(), 'gue-unit-'));
    execFileSync('mount', ['-t', 'bpf', 'bpf', bpffs]);
  });

  afterAll(() => {
    spawnSync('ip', ['netns', 'del', netns]);
    if (!bpffs) return;
    spawnSync('umount', [bpffs]);
    rmSync(bpffs, { recursive: true, force: true });
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const pinRoot = join(bpffs, `case-${i}`);
    mkdirSync(pinRoot);
    // The first run creates and pins the maps; an ARP frame passes every program without touching them.
    testRun(pinRoot, c.program, 0, ARP);
    const m = (name: string): PinnedMap => new PinnedMap(run, join(pinRoot, name));
    for (const t of c.tunnels) {
      await m('gue_tunnels').update(encodeTunnelKey(t.id), encodeTunnelValue({ ...t, kaCounter: 0n }));
    }
    for (const s of c.services) {
      await m(serviceMapFor(s.podAddr)).update(encodeAnyServiceKey(s), encodeTunnelRef(s.tunnelId));
    }
    for (const f of c.returnFlows) {
      await m(returnFlowMapFor(f.proxyAddr)).update(
        encodeReturnFlowKey(f.proxyAddr),
        encodeTunnelRef(f.tunnelId),
      );
    }
    const before = await counters(pinRoot);

    const r = testRun(pinRoot, c.program, c.mark, c.input);

    const after = await counters(pinRoot);
    const delta = Object.fromEntries(
      COUNTER_NAMES.map((n) => [n, (after[n] ?? 0n) - (before[n] ?? 0n)]).filter(([, d]) => d !== 0n),
    );
    expect({ retval: r.retval, data: c.verdict === 'ok' ? r.data : undefined, counters: delta }).toEqual({
      retval: c.verdict === 'ok' ? TC_ACT_OK : TC_ACT_SHOT,
      data: c.output,
      counters: Object.fromEntries([c.counter, ...(c.extraCounters ?? [])].map((n) => [n, 1n])),
    });
    if (c.returnFlowsAfter) {
      const learned = [...(await m('gue_return_flows').dump()), ...(await m('gue_return_flows6').dump())];
      const flows = learned.map((e) => ({
        proxyAddr: decodeReturnFlowKey(e.key),
        tunnelId: decodeTunnelRef(e.value),
      }));
      expect(flows).toEqual(c.returnFlowsAfter);
    }
  });
});
