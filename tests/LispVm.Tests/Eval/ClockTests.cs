// Why: GET-UNIVERSAL-TIME reads the platform's wall clock (IPlatform.UnixTimeMicros);
// transcripts cannot check a changing value, so compare with the host clock here.
using System;
using Xunit;

namespace LispVm.Tests.Eval;

public class ClockTests
{
    static long HostUniversalTime() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2208988800L;

    [Fact]
    public void Get_universal_time_is_within_a_minute_of_the_host_clock()
    {
        using var h = new EvalHost();
        long lisp = long.Parse(h.Eval("(get-universal-time)"));
        Assert.InRange(lisp, HostUniversalTime() - 60, HostUniversalTime() + 60);
    }

    [Fact]
    public void Get_decoded_time_is_todays_utc_date()
    {
        using var h = new EvalHost();
        var now = DateTime.UtcNow;
        string got = h.Eval("(multiple-value-bind (s m h d mo y) (get-decoded-time) (list y mo d))");
        Assert.Equal($"({now.Year} {now.Month} {now.Day})", got);
    }
}
