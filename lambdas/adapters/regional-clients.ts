/**
 * SDK clients made in the region of the resource they call: a secret, a function or a queue in
 * another region than the caller is reached through a client of its own region (the endpoints are
 * regional), one client per region.
 */

/** The region of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`); '' for a global one. */
export const regionOfArn = (arn: string): string => arn.split(':')[3] ?? '';

/** `make`, called once per region: later calls for the same region get the same client. */
export const perRegion = <T>(make: (region: string) => T): ((region: string) => T) => {
  const clients = new Map<string, T>();
  return (region) => {
    const made = clients.get(region) ?? make(region);
    clients.set(region, made);
    return made;
  };
};
