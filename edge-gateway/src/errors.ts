/** A fault the gateway cannot work around; `code` says which, the message says what to do. */
export class GatewayError extends Error {
  constructor(
    readonly code: 'port_in_use' | 'bad_config' | 'no_catalog' | 'bad_floor_plan' | 'model_unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}
