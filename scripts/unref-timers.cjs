// Preloaded into Prisma CLI calls only: the CLI leaves timers running for about a minute after it has
// finished its work; unref them so the process exits when the work is done (docs/adr/0002-prisma-offline.md).
const { setTimeout: st, setInterval: si } = globalThis;
globalThis.setTimeout = (...args) => {
  const t = st(...args);
  t?.unref?.();
  return t;
};
globalThis.setInterval = (...args) => {
  const t = si(...args);
  t?.unref?.();
  return t;
};
