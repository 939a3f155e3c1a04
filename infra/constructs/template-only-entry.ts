/** Stand-in entry for template-only synthesis (see `entryFile` in connector-function.ts); never deployed. */
export const handler = async (): Promise<never> => {
  throw new Error('template-only entry: this function was synthesised without its code');
};
