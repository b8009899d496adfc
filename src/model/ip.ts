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

/**
 * An IPv4 address parsed once, in the two forms the steps after the model use: the number (to
 * compare and compute with) and the dotted quad (to print). A dotted quad that parses is already
 * in its one written form (no leading zeros), so `ip` is also the text it was parsed from.
 */
export interface Ipv4 {
  /** The 32-bit unsigned number. */
  readonly int: number;
  /** The dotted quad: `10.0.0.1`. */
  readonly ip: string;
}

export function ipv4(int: number): Ipv4 {
  return { int, ip: formatIp(int) };
}

/** Parses a dotted quad into both forms; undefined when it is not one. */
export function parseIpv4(text: string): Ipv4 | undefined {
  const int = parseIp(text);
  return int === undefined ? undefined : { int, ip: formatIp(int) };
}

/** A subnet parsed once: the block, its canonical text and the text it was written as. */
export interface Subnet extends Cidr {
  /** `a.b.c.d/n`, as the scripts write it. */
  readonly cidr: string;
  /** The network address. */
  readonly address: Ipv4;
  /** As the spec wrote it (the same as `cidr` but for a prefix written with a leading zero). */
  readonly text: string;
}

/** Parses `a.b.c.d/n` with host bits zero into a subnet. */
export function parseSubnet(text: string): Subnet | undefined {
  const net = parseCidr(text);
  if (!net) return undefined;
  const address = ipv4(net.network);
  return { ...net, cidr: `${address.ip}/${net.prefix}`, address, text };
}

/** A host's address, with an optional prefix (`10.0.0.1` or `10.0.0.1/24`), parsed once. */
export interface HostAddress extends Ipv4 {
  /** The network, when a prefix was given. */
  readonly net?: Cidr;
  /** The network the address stands for in overlap checks: its prefix's, or the address alone. */
  readonly block: Cidr;
}

export function parseHostAddress(text: string): HostAddress | undefined {
  const [addr, len] = text.split('/');
  const ip = parseIpv4(addr ?? '');
  if (ip === undefined) return undefined;
  const single = { network: ip.int, prefix: 32, size: 1 };
  if (len === undefined) return { ...ip, block: single };
  const net = parseCidr(text, false);
  return net ? { ...ip, net, block: net } : undefined;
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
