const REDACTED = '[redacted]';

/**
 * A secret value (a private key) that prints as `[redacted]` in every form a log line, a golden file or an
 * error message might take, so IR and status can be written anywhere. Only `reveal()` yields the value, and
 * only the Envoy Secret resource (which is itself secret) calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
