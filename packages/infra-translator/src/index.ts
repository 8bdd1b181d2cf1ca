export type {
  DisruptionBound,
  InfraGateway,
  InfraInput,
  InfraListener,
  InfraTemplate,
  Json,
  JsonObject,
  TemplateInfrastructure,
} from './input.js';
export { accountNamespace, fleetName } from './names.js';
export {
  ANNOTATION_CREDENTIALS_EXPIRE,
  ANNOTATION_CREDENTIALS_HASH,
  LABEL_ACCOUNT,
  LABEL_GATEWAY_ID,
  LABEL_GATEWAY_NAME,
  LABEL_USER_NAMESPACE,
  MANAGED_BY,
  MULTUS_ANNOTATION,
  OWNED_KINDS,
  READY_PORT,
  ownerLabels,
  ownerSelector,
  splitBootstrap,
  translateInfrastructure,
  type InfraObjects,
  type KubeObject,
  type TranslateOptions,
} from './translate.js';
export { kubeAcceptanceProblems } from './kube-acceptance.js';
export { parseTemplateInfrastructure, templateInfrastructureSchema } from './parse.js';
