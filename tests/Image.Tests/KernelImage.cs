// Why: Image.Tests builds nothing: it tests the artifacts build/kernel.sh --all produced. This
// finds them (echo image: LISPVM_IMAGE, else <repo>/artifacts/lispvm-echo.elf; product REPL
// image: LISPVM_REPL_IMAGE, else artifacts/lispvm.elf) and runs one as a Linux process with
// given stdin, a timeout, and captured output and exit code.
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

    // Path of the echo image; fails the test with what to do when it is missing.
    public static string Path_() => Find("LISPVM_IMAGE", "lispvm-echo.elf");

    // Path of the product image (the Lisp REPL).
    public static string ReplPath() => Find("LISPVM_REPL_IMAGE", "lispvm.elf");

    static string Find(string envName, string file)
    {
        string env = Environment.GetEnvironmentVariable(envName);
        string path = !string.IsNullOrEmpty(env) ? env : Path.Combine(RepoRoot(), "artifacts", file);
        Assert.True(File.Exists(path),
            $"kernel image not found at {path}: run build/kernel.sh --all first (or set {envName})");
        return path;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut);

    public static Result Run(string stdin, int timeoutMs = 10000, bool closeStdin = true, string image = null,
        params string[] args)
    {
        var psi = new ProcessStartInfo(image ?? Path_(), args)
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
