// Why: the image as a Linux process reads the wall clock with clock_gettime(CLOCK_REALTIME);
// GET-UNIVERSAL-TIME there must agree with the host's clock.
using System;
using System.Text.RegularExpressions;
using Xunit;

namespace Image.Tests;

public class LinuxClockTests
{
    [Fact]
    public void Get_universal_time_in_the_image_is_within_a_minute_of_the_host_clock()
    {
        var r = KernelImage.Run("(list :ut (get-universal-time))\n", 30000, image: KernelImage.ReplPath());
        Assert.False(r.TimedOut);
        var m = Regex.Match(r.Stdout, @"\(:UT (\d+)\)");
        Assert.True(m.Success, r.Stdout);
        long host = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2208988800L;
        Assert.InRange(long.Parse(m.Groups[1].Value), host - 60, host + 60);
    }
}
