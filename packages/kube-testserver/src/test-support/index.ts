// Helpers for other packages' tests (import from '@epic/kube-testserver/test-support').
export { installGatewayApiCrds } from './gateway-api-crds.js';
export { gatewayApiDir, Kubectl, KUBECTL, type KubectlResult } from './kubectl.js';
export { openWatch, raw, until, type RawResponse } from './raw-request.js';
