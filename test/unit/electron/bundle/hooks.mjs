// Node module hooks: resolve 'electron' to the stub next to this file.
const stub = new URL('./electron-stub.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: stub, shortCircuit: true };
  return next(specifier, context);
}
