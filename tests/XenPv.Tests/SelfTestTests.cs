// Why: XenPvSelfTest is what the kernel image runs (#selftest) to check the XenPv pieces
// inside the ILC build; it must pass on .NET too, or the image check means nothing.
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class SelfTestTests
{
    [Fact]
    public void SelfTestPassesOnDotNet()
    {
        using var page = new SharedPage();
        Assert.Equal(0, XenPvSelfTest.Run(page.P));
    }
}
