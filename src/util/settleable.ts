/** A promise with its resolve at hand (Promise.withResolvers, which Node 20 lacks). Resolving twice is harmless. */
export function settleable(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
