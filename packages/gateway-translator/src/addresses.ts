import { condition, ConditionType, Reason, type Condition } from './conditions.js';
import type { AddressRequestInput } from './input.js';

// Gateway `spec.addresses` → the conditions the spec names. Assignment itself (IPAM) is the API's; the
// translator reads each request's outcome and reports it.

/** Address types an EPIC gateway can be given (anything else is UnsupportedAddress). */
export const SUPPORTED_ADDRESS_TYPES: readonly string[] = ['IPAddress', 'Hostname', 'NamedAddress'];

export interface AddressVerdict {
  /** Accepted=False/UnsupportedAddress when a request's type is not supported. */
  accepted?: Condition;
  /** Programmed=False/AddressNotAssigned (nothing assigned) or AddressNotUsable (some requests unusable). */
  programmed?: Condition;
}

const describe = (a: AddressRequestInput) =>
  a.value === undefined ? `${a.type} (no value)` : `${a.type} ${JSON.stringify(a.value)}`;

/** The verdict on a gateway's requested addresses; empty when it requests none or all were assigned. */
/** Accepted=False/InvalidParameters when spec.infrastructure.parametersRef does not resolve (GEP-1867). */
export function parametersVerdict(invalid: string | undefined, gen: number): AddressVerdict {
  if (invalid === undefined) return {};
  return {
    accepted: condition(ConditionType.Accepted, false, Reason.InvalidParameters, invalid, gen),
    programmed: condition(
      ConditionType.Programmed,
      false,
      Reason.Invalid,
      'the gateway is not accepted: its spec.infrastructure.parametersRef does not resolve',
      gen,
    ),
  };
}

export function addressVerdict(
  requests: readonly AddressRequestInput[] | undefined,
  gen: number,
): AddressVerdict {
  if (requests === undefined || requests.length === 0) return {};
  const unsupported = requests
    .map((a, i) => [a, i] as const)
    .filter(([a]) => !SUPPORTED_ADDRESS_TYPES.includes(a.type));
  if (unsupported.length > 0) {
    const what = unsupported
      .map(([a, i]) => `spec.addresses[${i}].type: ${JSON.stringify(a.type)} is not supported`)
      .join('; ');
    return {
      accepted: condition(
        ConditionType.Accepted,
        false,
        Reason.UnsupportedAddress,
        `${what} (supported: ${SUPPORTED_ADDRESS_TYPES.join(', ')})`,
        gen,
      ),
      programmed: condition(
        ConditionType.Programmed,
        false,
        Reason.Invalid,
        'the gateway is not accepted: it requests an unsupported address type',
        gen,
      ),
    };
  }
  const unusable = requests.map((a, i) => [a, i] as const).filter(([a]) => a.assigned === undefined);
  if (unusable.length === 0) return {};
  const what = unusable
    .map(([a, i]) => `spec.addresses[${i}] (${describe(a)}): ${a.problem ?? 'not assigned'}`)
    .join('; ');
  const none = unusable.length === requests.length;
  return {
    programmed: condition(
      ConditionType.Programmed,
      false,
      none ? Reason.AddressNotAssigned : Reason.AddressNotUsable,
      none ? `no requested address was assigned: ${what}` : `requested addresses are not usable: ${what}`,
      gen,
    ),
  };
}
