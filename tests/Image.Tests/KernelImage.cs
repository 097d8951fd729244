// Why: Image.Tests builds nothing: it tests the artifact build/kernel.sh produced. This
// finds it (LISPVM_IMAGE, else <repo>/artifacts/lispvm.elf) and runs it as a Linux
// process with given stdin, a timeout, and captured output and exit code.
using System.Diagnostics;
using Xunit;

namespace Image.Tests;

public static class KernelImage
{
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LispVm.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (LispVm.sln) not found above " + AppContext.BaseDirectory);
    }

    // Path of the image; fails the test with what to do when it is missing.
    public static string Path_()
    {
        string env = Environment.GetEnvironmentVariable("LISPVM_IMAGE");
        string path = !string.IsNullOrEmpty(env) ? env : Path.Combine(RepoRoot(), "artifacts", "lispvm.elf");
        Assert.True(File.Exists(path),
            $"kernel image not found at {path}: run build/kernel.sh first (or set LISPVM_IMAGE)");
        return path;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut);

    public static Result Run(string stdin, int timeoutMs = 10000, bool closeStdin = true)
    {
        var psi = new ProcessStartInfo(Path_())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Flush();
            if (closeStdin) p.StandardInput.Close();
        }
        catch (IOException) { /* the image exited before reading everything (halt, panic) */ }
        bool exited = p.WaitForExit(timeoutMs);
        if (!exited) { try { p.Kill(true); } catch (InvalidOperationException) { } p.WaitForExit(); }
        return new Result(exited ? p.ExitCode : -1, stdout.Result, stderr.Result, !exited);
    }
}
