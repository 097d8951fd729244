// Why: the other domain can write anything into the shared page at any time. Whatever it
// does to the indices, ByteRing must only ever touch the in/out arrays and the indices:
// random index corruption between random reads/writes must leave the bytes around the
// ring page untouched and never deliver more bytes than were asked for.
using XenPv.Shim.Io;
using Xunit;

namespace XenPv.Tests;

public unsafe class ByteRingFuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomHostileIndicesNeverEscapeTheArrays(int seed)
    {
        var rnd = new Random(seed);
        foreach (var layout in new[] { RingLayout.Console, RingLayout.Xenstore })
        {
            byte[] region = new byte[3 * 4096];
            Array.Fill(region, (byte)0xA5);
            fixed (byte* r = region)
            {
                byte* page = r + 4096;
                for (int i = 0; i < 4096; i++) page[i] = 0;
                var ring = new ByteRing(page, layout);
                byte[] src = new byte[3000], dst = new byte[3000];
                rnd.NextBytes(src);
                int[] idx = { layout.InConsOffset, layout.InProdOffset, layout.OutConsOffset, layout.OutProdOffset };
                for (int step = 0; step < 20000; step++)
                {
                    switch (rnd.Next(4))
                    {
                        case 0: // hostile: any index to any value
                            *(uint*)(page + idx[rnd.Next(4)]) = (uint)rnd.NextInt64(0, 1L << 32);
                            break;
                        case 1: // plausible backend step
                            *(uint*)(page + layout.InProdOffset) += (uint)rnd.Next(0, 64);
                            *(uint*)(page + layout.OutConsOffset) += (uint)rnd.Next(0, 64);
                            break;
                        case 2:
                            int n = rnd.Next(0, 3000);
                            fixed (byte* s = src) Assert.InRange(ring.Write(s, n), 0, Math.Min(n, layout.OutSize));
                            break;
                        default:
                            int m = rnd.Next(0, 3000);
                            fixed (byte* d = dst) Assert.InRange(ring.Read(d, m), 0, Math.Min(m, layout.InSize));
                            Assert.InRange(ring.InAvailable, 0, layout.InSize);
                            break;
                    }
                }
                // Inside the page only the arrays and the four index words may have changed.
                for (int i = 0; i < 4096; i++)
                {
                    bool allowed = (i >= layout.InOffset && i < layout.InOffset + layout.InSize)
                        || (i >= layout.OutOffset && i < layout.OutOffset + layout.OutSize)
                        || idx.Any(o => i >= o && i < o + 4);
                    if (!allowed) Assert.True(page[i] == 0, $"byte {i} of the page was written");
                }
                for (int i = 0; i < 4096; i++)
                {
                    Assert.Equal(0xA5, r[i]);
                    Assert.Equal(0xA5, r[2 * 4096 + i]);
                }
                Assert.True(ring.Resets > 0, "the fuzzer should have produced impossible indices");
            }
        }
    }
}
