/** IPv4 arithmetic on 32-bit unsigned numbers. */

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a dotted quad; returns undefined when it is not one. */
export function parseIp(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface Cidr {
  network: number;
  prefix: number;
  /** Number of addresses in the block. */
  size: number;
}

/** Parses `a.b.c.d/n`; host bits must be zero when `strict`. */
export function parseCidr(text: string, strict = true): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ip / size) * size;
  if (strict && network !== ip) return undefined;
  return { network, prefix, size };
}

/** An address with an optional prefix (`10.0.0.1` or `10.0.0.1/24`). */
export interface HostAddress {
  ip: number;
  /** The network, when a prefix was given. */
  net?: Cidr;
}

export function parseHostAddress(text: string): HostAddress | undefined {
  const [addr, len] = text.split('/');
  const ip = parseIp(addr ?? '');
  if (ip === undefined) return undefined;
  if (len === undefined) return { ip };
  const net = parseCidr(text, false);
  return net ? { ip, net } : undefined;
}

/** The address part of `a.b.c.d[/len]`; anything not a string passes through for the shape check to report. */
export function bareIp<T>(text: T): T {
  return (typeof text === 'string' ? (text.split('/')[0] ?? text) : text) as T;
}

export function contains(net: Cidr, ip: number): boolean {
  return ip >= net.network && ip < net.network + net.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

/** A locally administered MAC address that carries an IPv4 address: stable across restarts. */
export function macForIp(ip: number, kind: number): string {
  const bytes = [0x02, kind & 0xff, ...[24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256)];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
