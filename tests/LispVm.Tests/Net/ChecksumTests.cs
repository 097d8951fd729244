// Why: every layer's validity hangs on the Internet checksum; compare it with the reference
// in the rig on the RFC 1071 example and on thousands of random blocks (odd lengths too).
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public unsafe class ChecksumTests
    {
        [Fact]
        public void Rfc1071Example()
        {
            byte[] b = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
            fixed (byte* p = b) Assert.Equal((ushort)0x220d, Checksum.Finish(Checksum.Add(0, p, b.Length)));
            Assert.Equal((ushort)0x220d, RefChecksum(b, 0, b.Length));
        }

        [Fact]
        public void MatchesReferenceOnRandomBlocks()
        {
            var r = new Random(16);
            for (int t = 0; t < 3000; t++)
            {
                int n = r.Next(0, 1600);
                var b = new byte[n];
                r.NextBytes(b);
                if (t % 10 == 0) Array.Fill(b, (byte)0xFF);
                uint init = (uint)r.Next(0, 0x3FFFF);
                fixed (byte* p = b)
                {
                    Assert.Equal(RefChecksum(b, 0, n, init), Checksum.Finish(Checksum.Add(init, p, n)));
                    // Split sums compose when the split is at an even offset.
                    int half = (n / 2) & ~1;
                    Assert.Equal(RefChecksum(b, 0, n), Checksum.Finish(Checksum.Add(Checksum.Add(0, p, half), p + half, n - half)));
                }
            }
        }

        [Fact]
        public void PseudoHeaderMatchesReference()
        {
            var r = new Random(5);
            for (int t = 0; t < 1000; t++)
            {
                uint s = (uint)r.NextInt64(0, 1L << 32), d = (uint)r.NextInt64(0, 1L << 32);
                int len = r.Next(8, 1481);
                Assert.Equal(RefPseudo(s, d, 17, len), Checksum.Pseudo(s, d, 17, len));
            }
        }

        [Fact]
        public void BlockWithItsChecksumSumsToZero()
        {
            var b = Rand(101, 3);
            b[10] = 0; b[11] = 0;
            ushort c = RefChecksum(b, 0, b.Length);
            Put16(b, 10, c);
            fixed (byte* p = b) Assert.Equal(0, Checksum.Finish(Checksum.Add(0, p, b.Length)));
            b[50] ^= 1;
            fixed (byte* p = b) Assert.NotEqual(0, Checksum.Finish(Checksum.Add(0, p, b.Length)));
        }
    }
}
