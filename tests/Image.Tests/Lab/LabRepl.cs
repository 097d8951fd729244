// Why: the REPL image's console as every lab test reads it, in one place: the banner, the
// prompt, how long a boot may take under TCG, and a guest started and run to its first prompt.
using System.Text.RegularExpressions;

namespace Image.Tests.Lab;

public static class LabRepl
{
    public const string BannerRe = @"LispVm \d+\.\d+ on Xen 4\.\d+: (\d+) MiB, boot (\d+) ms([^\r]*)\r\n";
    public const string Prompt = @"\* ";
    // Until the heap image landed the library was compiled at boot (~2-5 s TCG); 90 s covers a loaded machine.
    public static readonly TimeSpan BootLimit = TimeSpan.FromSeconds(90);

    // Starts the guest, waits for the banner and the first prompt; the banner's match comes back.
    public static LabGuest BootToPrompt(LabDriver lab, LabDriver.GuestOptions o, out Match banner)
    {
        var g = lab.StartGuest(o);
        banner = g.Expect(BannerRe, BootLimit);
        g.Expect(Prompt);
        return g;
    }
}
