// Why: the kernel prints raw addresses in a panic (it carries no symbol names); the
// debugging workflow is "pipe the report through build/symbolize.sh". This checks the two
// fit together: the faulting rip and the backtrace frames resolve to image symbols.
using System.Diagnostics;
using Xunit;

namespace Image.Tests;

public class SymbolizeTests
{
    [Fact]
    public void PanicReportAddressesResolveToImageSymbols()
    {
        var report = KernelImage.Run("#fault null\n");
        Assert.NotEqual(0, report.ExitCode);
        string script = Path.Combine(KernelImage.RepoRoot(), "build", "symbolize.sh");
        Assert.True(File.Exists(script), "build/symbolize.sh missing");
        var psi = new ProcessStartInfo("bash", $"{script} {KernelImage.Path_()}")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(report.Stdout + report.Stderr);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30000), "symbolize.sh hung");
        Assert.True(p.ExitCode == 0, "symbolize.sh failed: " + err);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.Contains("rip=0x") && l.Contains("<") && l.Contains("fault", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("#") && l.Contains("KernelMain"));
    }
}
