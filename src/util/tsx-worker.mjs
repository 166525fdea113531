// Development only (never built into dist/): runs a TypeScript worker body under tsx. It is plain
// JavaScript so that a worker can load it without hooks, and it resolves tsx from the checkout.
export async function run(body) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(body);
}
