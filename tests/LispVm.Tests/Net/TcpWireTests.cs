// Why: two real stacks over a seeded lossy link: 1 MB each way arrives intact through loss,
// duplication and reordering (retransmission, reassembly and fast retransmit at work),
// a reader that stops reading stalls the writer at a zero window without losing bytes, and
// both sides close cleanly.
using System.Security.Cryptography;
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;
using static LispVm.Tests.Net.TcpKit;

namespace LispVm.Tests.Net
{
    public unsafe class TcpWireTests
    {
        sealed class Pair
        {
            public readonly LossyLink Link;
            public readonly NetStack A, B;
            public ulong Now = Sec;
            public Pair(int seed, double loss, double dup, double reorder)
            {
                Link = new LossyLink(seed, loss, dup, reorder);
                A = new NetStack(Link.A, Config(IpA), new SeededEntropy((ulong)seed));
                B = new NetStack(Link.B, Config(IpB), new SeededEntropy((ulong)seed + 1));
                A.Poll(Now); B.Poll(Now);                                  // the stacks' clocks start now
            }
            public void Step(ulong ns = 1000000UL) { Now += ns; A.Poll(Now); B.Poll(Now); A.Poll(Now); B.Poll(Now); }
        }

        /// <summary>B connects to A:80; B sends `up` bytes, A sends `down`; both read everything
        /// and close. Returns the simulated seconds taken.</summary>
        static double Transfer(Pair w, byte[] up, byte[] down, int readPauseMs = 0)
        {
            int l = w.A.TcpListen(80, 4);
            int cb = w.B.TcpConnect(IpA, 80);
            int ca = -1;
            var gotA = new MemoryStream(); var gotB = new MemoryStream();
            int sentUp = 0, sentDown = 0;
            bool closedA = false, closedB = false, eofA = false, eofB = false;
            var buf = new byte[8192];
            ulong start = w.Now;
            for (int step = 0; step < 3000000 && !(eofA && eofB); step++)
            {
                w.Step();
                if (ca < 0) { ca = w.A.TcpAccept(l); if (ca < 0) continue; }
                if (sentUp < up.Length) fixed (byte* p = up) { int n = w.B.TcpSend(cb, p + sentUp, up.Length - sentUp); if (n > 0) sentUp += n; }
                else if (!closedB) { w.B.TcpClose(cb); closedB = true; }
                if (sentDown < down.Length) fixed (byte* p = down) { int n = w.A.TcpSend(ca, p + sentDown, down.Length - sentDown); if (n > 0) sentDown += n; }
                else if (!closedA) { w.A.TcpClose(ca); closedA = true; }
                bool paused = (w.Now - start) < (ulong)readPauseMs * 1000000UL;
                if (!eofA && !paused)
                    fixed (byte* p = buf) { int n = w.A.TcpReceive(ca, p, buf.Length); if (n > 0) gotA.Write(buf, 0, n); else if (n == 0) eofA = true; else Assert.True(n == NetError.WouldBlock, $"A: {n} at {(w.Now - start) / 1e9}s " + Info(w)); }
                if (!eofB)
                    fixed (byte* p = buf) { int n = w.B.TcpReceive(cb, p, buf.Length); if (n > 0) gotB.Write(buf, 0, n); else if (n == 0) eofB = true; else Assert.True(n == NetError.WouldBlock, $"B: {n} at {(w.Now - start) / 1e9}s A state {(TcpState)w.A.TcpStateOf(ca)} got {gotA.Length} sent {sentDown} B got {gotB.Length} sent {sentUp} " + Info(w)); }
            }
            Assert.True(eofA && eofB, $"stalled: A got {gotA.Length}/{up.Length}, B got {gotB.Length}/{down.Length}");
            Assert.True(up.AsSpan().SequenceEqual(gotA.ToArray()), Diff("A got", up, gotA.ToArray()));
            Assert.True(down.AsSpan().SequenceEqual(gotB.ToArray()), Diff("B got", down, gotB.ToArray()));
            Assert.Equal(SHA256.HashData(up), SHA256.HashData(gotA.ToArray()));
            Assert.Equal(SHA256.HashData(down), SHA256.HashData(gotB.ToArray()));
            return (w.Now - start) / 1e9;
        }

        static string Info(Pair w)
        {
            string One(NetStack s) => $"rtx={s.Stats.TcpRetransmits} fast={s.Stats.TcpFastRetransmits} to={s.Stats.TcpTimeouts} probes={s.Stats.TcpProbes} rstOut={s.Stats.TcpResetsOut} drops={string.Join(",", Enumerable.Range(0, (int)DropReason.Count).Where(i => s.Stats.Drops[i] != 0).Select(i => NetStats.DropNames[i] + "=" + s.Stats.Drops[i]))}";
            return $"A[{One(w.A)}] B[{One(w.B)}] link dropped={w.Link.Dropped}/{w.Link.Carried}";
        }

        static string Diff(string what, byte[] want, byte[] got)
        {
            int i = 0;
            while (i < want.Length && i < got.Length && want[i] == got[i]) i++;
            int j = i;
            while (j < want.Length && j < got.Length && want[j] != got[j]) j++;
            int where = -1;
            if (i + 16 <= got.Length) for (int k = 0; k + 16 <= want.Length; k++) if (want.AsSpan(k, 16).SequenceEqual(got.AsSpan(i, 16))) { where = k; break; }
            return $"{what} {got.Length} of {want.Length} bytes, first difference at {i}, same again at {j}, got[{i}..] is want[{where}..]";
        }

        [Fact]
        public void OneMegabyteEachWayOverACleanLink()
        {
            var w = new Pair(1, 0, 0, 0);
            Transfer(w, Rand(1 << 20, 11), Rand(1 << 20, 12));
            Assert.True(w.A.Stats.TcpRetransmits + w.B.Stats.TcpRetransmits == 0, Info(w));
            for (int i = 0; i < 15; i++) w.Step(Sec);                 // TIME_WAIT passes
            Assert.Equal(1, w.A.Stats.TcpConnections);                 // only the listener is left
            Assert.Equal(0, w.B.Stats.TcpConnections);
        }

        [Theory]
        [InlineData(2, 0.05, 0.02, 0.05)]
        [InlineData(3, 0.15, 0.05, 0.10)]
        public void OneMegabyteEachWayThroughLossDuplicationAndReordering(int seed, double loss, double dup, double reorder)
        {
            var w = new Pair(seed, loss, dup, reorder);
            Transfer(w, Rand(1 << 20, seed * 10), Rand(1 << 20, seed * 10 + 1));
            Assert.True(w.Link.Dropped > 50 && w.Link.Duplicated > 10 && w.Link.Reordered > 10);
            Assert.True(w.A.Stats.TcpRetransmits > 0 && w.B.Stats.TcpRetransmits > 0);
            Assert.True(w.A.Stats.TcpFastRetransmits + w.B.Stats.TcpFastRetransmits > 0);
        }

        [Fact]
        public void ASlowReaderStallsTheWriterWithoutLoss()
        {
            var w = new Pair(4, 0, 0, 0);
            Transfer(w, Rand(200000, 21), Rand(10, 22), readPauseMs: 5000);
            Assert.True(w.B.Stats.TcpProbes > 0);                       // B probed A's zero window
        }
    }
}
