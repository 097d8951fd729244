// Why: issue 19 in a Xen guest: the Lisp stacks commit frames from the domain's pool as deep
// as a recursion goes, so a 256 MiB guest runs a 1,000,000-deep non-tail recursion; deeper,
// it gets storage-condition (reservation or frames used up), never a crash, and the stack
// works again. A 16 MiB guest (its stacks committed lazily) boots and ends the million in
// storage-condition. LISPVM_LAB=1 (both passed in 1.8 min on 2026-12-07).
using Xunit;
using Xunit.Abstractions;

using static Image.Tests.Lab.LabRepl;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenStackTests(LabFixture fixture, ITestOutputHelper log)
{
    private const string Defs =
        "(defun f (n) (if (= n 0) 0 (+ 1 (f (1- n)))))";
    private const string Try =
        "(defmacro try (x) `(handler-case ,x (storage-condition (c) (list 'caught (princ-to-string c)))))";

    private static string Eval(LabGuest g, string form, int seconds = 120)
    {
        g.SendLine(form);
        return g.Expect(@"\r\n([^\r\n]*)\r\n\* ", TimeSpan.FromSeconds(seconds)).Groups[1].Value;
    }

    private LabGuest Boot(int memory)
    {
        var g = BootToPrompt(fixture.Lab, new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: memory), out var banner);
        log.WriteLine($"{memory} MiB guest: {banner.Value.Trim()}");
        Assert.Equal("F", Eval(g, Defs));
        Assert.Equal("TRY", Eval(g, Try));
        return g;
    }

    [LabFact]
    public void A_256_MiB_guest_recurses_a_million_deep_and_survives_overflow()
    {
        var g = Boot(256);
        Assert.Equal("1000000", Eval(g, "(f 1000000)", 600));
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", Eval(g, "(try (f 100000000))", 600));
        Assert.Equal("1000000", Eval(g, "(f 1000000)", 600));
        Assert.Equal("42", Eval(g, "(+ 40 2)"));
    }

    [LabFact]
    public void A_16_MiB_guest_ends_a_million_in_storage_condition()
    {
        var g = Boot(16);
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", Eval(g, "(try (f 1000000))", 600));
        Assert.Equal("10000", Eval(g, "(f 10000)"));
    }
}
