// The lab's outage arithmetic, which the failover bench and the lab tests share: parsing
// `ping -D` output and measuring the longest silence in it.
import { describe, expect, it } from 'vitest';
import { buildRing } from '../src/pipeline';
import { LAB_IMAGE, bfdDownsIn, outagePing, pingReplyTimes, worstGap, worstSilence } from './lab/harness';
import { soakRing } from './lab/soak';

const OUT = `PING 10.0.0.3 (10.0.0.3) 56(84) bytes of data.
[1700000000.100000] 64 bytes from 10.0.0.3: icmp_seq=1 ttl=64 time=0.4 ms
[1700000000.110000] 64 bytes from 10.0.0.3: icmp_seq=2 ttl=64 time=0.4 ms
[1700000000.120000] no answer yet for icmp_seq=3
[1700000000.130000] From 10.0.0.1 icmp_seq=4 Destination Host Unreachable
[1700000000.250000] 64 bytes from 10.0.0.3: icmp_seq=15 ttl=64 time=0.4 ms
[1700000000.260000] 64 bytes from 10.0.0.3: icmp_seq=16 ttl=64 time=0.4 ms
`;

describe('lab outage arithmetic', () => {
  it('reads reply times only, not unanswered requests or errors', () => {
    expect(pingReplyTimes(OUT)).toEqual([1700000000.1, 1700000000.11, 1700000000.25, 1700000000.26]);
  });

  it('the outage is the longest silence between replies', () => {
    expect(worstGap(pingReplyTimes(OUT))).toBeCloseTo(0.14, 6);
    expect(worstGap([])).toBe(0);
  });

  it('in a window, replies that never came back count up to its end, and no reply is the whole window', () => {
    const t = pingReplyTimes(OUT);
    expect(worstGap(t, { from: 1700000000.1, to: 1700000000.9 })).toBeCloseTo(0.64, 6);
    expect(worstGap(t, { from: 1700000000.1, to: 1700000000.27 })).toBeCloseTo(0.14, 6);
    // Replies more than a second before the window are not part of it.
    expect(worstGap([1, 2], { from: 10, to: 12 })).toBe(2);
  });

  it('pings by count, never by deadline', () => {
    const args = outagePing('42', '10.0.0.3', 6);
    expect(args).toContain('-c');
    expect(args[args.indexOf('-c') + 1]).toBe('600');
    expect(args).not.toContain('-w');
    expect(outagePing('42', '10.0.0.3', 9, 0.02)).toEqual(expect.arrayContaining(['-i', '0.02', '-c', '450']));
  });

  it('finds the BFD sessions that went down in an ovs-vswitchd log, from the main thread or a monitor thread', () => {
    const log = [
      '2026-11-30T23:46:35.690Z|00056|bfd|INFO|vx0: BFD state change: admin_down->down "No Diagnostic"->"No Diagnostic".',
      '2026-11-30T23:47:37.515Z|00002|bfd(monitor6)|INFO|vx0: BFD state change: up->down "No Diagnostic"->"Control Detection Time Expired".',
      '  Forwarding: false',
      '2026-11-30T23:47:38.100Z|00060|bfd|INFO|vxchord: BFD state change: up->admin_down "No Diagnostic"->"No Diagnostic".',
      '2026-11-30T23:47:39.000Z|00061|bfd|INFO|vx5: BFD state change: init->up "No Diagnostic"->"No Diagnostic".',
    ].join('\n');
    expect(bfdDownsIn(log)).toEqual([
      { iface: 'vx0', at: Date.UTC(2026, 10, 30, 23, 47, 37, 515) / 1000 },
      { iface: 'vxchord', at: Date.UTC(2026, 10, 30, 23, 47, 38, 100) / 1000 },
    ]);
  });

  it('tells a lost stretch of requests from a pinger that did not run', () => {
    // Requests 3-14 unanswered: the network was out.
    expect(worstSilence(OUT).lost).toBe(12);
    expect(worstSilence(OUT).gap).toBeCloseTo(0.14, 6);
    // 0.5 s between requests 2 and 3, nothing lost: the pinger (or the machine) stood still.
    const stalled = '[10.00] 64 bytes from 10.0.0.3: icmp_seq=1 ttl=64\n[10.01] 64 bytes from 10.0.0.3: icmp_seq=2 ttl=64\n[10.51] 64 bytes from 10.0.0.3: icmp_seq=3 ttl=64\n';
    expect(worstSilence(stalled)).toEqual({ gap: expect.closeTo(0.5, 6), lost: 0 });
    expect(worstSilence('')).toEqual({ gap: 0, lost: 0 });
  });
});

describe('lab soak rings', () => {
  it('every seed gives a ring the lab can run: no diagnostics, netdev, the lab image, addresses inside the lab', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const s = soakRing(seed);
      const out = buildRing(s.builder);
      expect(out.diagnostics.map((d) => `${d.code} ${d.message}`), `seed ${seed}: ${s.summary}`).toEqual([]);
      const spec = s.builder.toSpec();
      expect(spec.options?.datapath).toBe('netdev');
      expect((spec.containers ?? []).every((c) => c.image === LAB_IMAGE)).toBe(true);
      expect(spec.hosts.map((h) => h.internal)).toEqual(s.spec.hosts.map((h) => h.internal.replace('/24', '')));
      expect(s.members).toHaveLength(spec.containers?.length ?? -1);
    }
  });
});
