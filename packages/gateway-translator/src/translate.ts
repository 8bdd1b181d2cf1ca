import { buildIR } from './build-ir.js';
import type { TranslateInput } from './input.js';
import type { IR } from './ir.js';
import type { TranslateStatus } from './status.js';
import { translateIR, type EnvoyResources } from './translate-ir.js';
import { validateIR, type IRIssue } from './validate-ir.js';

export interface TranslateResult {
  ir: IR;
  status: TranslateStatus;
  /** Empty when the IR is valid; otherwise resources is undefined and nothing should be published. */
  issues: IRIssue[];
  resources?: EnvoyResources;
}

/** Both stages with the IR check between them: what the reconciler runs for one gateway. */
export function translate(input: TranslateInput): TranslateResult {
  const { ir, status } = buildIR(input);
  const issues = validateIR(ir);
  if (issues.length > 0) return { ir, status, issues };
  return { ir, status, issues, resources: translateIR(ir, input.fragments) };
}
