// Why: the C# wire structs must match the Xen ABI byte for byte; a wrong offset reads
// garbage from start_info or corrupts shared_info. These checks need no headers: they
// compare against the numbers measured in shared/notes/xen-abi.md.
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public class AbiLayoutTests
{
    public static IEnumerable<object[]> Facts() => AbiFacts.All.Select(f => new object[] { f.C, f.CSharp, f.Notes });

    [Theory]
    [MemberData(nameof(Facts))]
    public void MatchesXenAbiNotes(string cExpression, long csharp, long notes)
    {
        Assert.True(csharp == notes, $"{cExpression}: C# has {csharp}, xen-abi.md says {notes}");
    }

    [Fact]
    public unsafe void StartInfoMagicIsRecognised()
    {
        var si = new StartInfo();
        var magic = "xen-3.0-x86_64"u8;
        Assert.False(StartInfo.HasXenMagic(&si));
        for (int i = 0; i < magic.Length; i++) si.magic[i] = magic[i];
        Assert.True(StartInfo.HasXenMagic(&si));
        si.magic[4] = (byte)'4';
        Assert.False(StartInfo.HasXenMagic(&si));
    }

    [Fact]
    public void PortBitsAddressTheRightWord()
    {
        Assert.True(SharedInfo.PortBit(0, out int w0, out ulong b0));
        Assert.Equal((0, 1UL), (w0, b0));
        Assert.True(SharedInfo.PortBit(65, out int w1, out ulong b1));
        Assert.Equal((1, 2UL), (w1, b1));
        Assert.True(SharedInfo.PortBit(4095, out int w2, out ulong b2));
        Assert.Equal((63, 1UL << 63), (w2, b2));
        Assert.False(SharedInfo.PortBit(4096, out _, out _));
    }

    [Fact]
    public unsafe void HypercallsWithoutXenReportNotBooted()
    {
        Assert.Equal(XenError.NotBooted, new XenEventOps(null).Send(1));
        Assert.Equal(XenError.NotBooted, Hypercalls.XenVersion(out int major, out int minor));
        Assert.Equal((0, 0), (major, minor));
    }
}
