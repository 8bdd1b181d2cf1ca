// The translator validates and evaluates regexes with the same RE2 engine as the API's schemas.
export { regexProblem, regexFullMatch, regexReplaceAll } from '@epic/gateway-api';
