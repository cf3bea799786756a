/** A dotted-quad IPv4 address, each part 0 to 255: what validation and the nginx renderer accept as an address. */
export const IPV4_ADDRESS = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
