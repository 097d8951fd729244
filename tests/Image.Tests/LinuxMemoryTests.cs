// Why: issue 19 wants the image's peak RSS within CLISP's + 4 MiB (CLISP 2.49: ~9 MiB idle,
// 10-12 MiB on bench/programs). It was 12 MiB idle and 20-24 MiB on the benchmarks: start-up
// arrays that boot never uses were made resident by zeroing, and the heap image's pages stayed
// after it was copied into the heap (bench/results/memory-2026-12-07.md). These run the image as
// a Linux process, read its VmHWM from /proc while it waits at the prompt, and fail if either
// comes back.
using System.Diagnostics;
using Xunit;

namespace Image.Tests;

public class LinuxMemoryTests
{
    // Idle: 4.1 MiB measured (12.0 before); CLISP 9 MiB. 8 MiB leaves room for a bigger
    // library, not for the 7 MiB of unused start-up arrays coming back.
    [Fact]
    public void Idle_peak_rss_stays_small()
    {
        long kib = PeakKiB("(+ 1 2)");
        Assert.InRange(kib, 1024, 8 * 1024);
    }

    // 80 MB of conses through the nursery (8 MiB on a machine with 256 MiB or more, fully
    // touched): 11-12 MiB measured (20 before); CLISP's 10-11 MiB + 4 MiB is the bound.
    [Fact]
    public void Allocating_loop_peak_rss_within_clisp_plus_4_mib()
    {
        long kib = PeakKiB("(defun churn (n) (let ((s 0)) (dotimes (i n s) (incf s (length (make-list 1000 :initial-element i))))))\n" +
                           "(churn 5000)");
        Assert.InRange(kib, 1024, 14 * 1024);
    }

    // Runs the forms, then a marker; reads VmHWM once the marker is printed (the image is
    // waiting on stdin, so nothing more is allocated), then ends it.
    static long PeakKiB(string forms)
    {
        var psi = new ProcessStartInfo(KernelImage.ReplPath())
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var seen = new System.Text.StringBuilder();
        var done = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null) { done.Set(); return; }
            lock (seen) seen.AppendLine(e.Data);
            if (e.Data.Contains("MEMORY-MARK-42")) done.Set();
        };
        p.BeginOutputReadLine();
        p.StandardInput.Write(forms + "\n(format t \"MEMORY-MARK-~d~%\" 42)\n");
        p.StandardInput.Flush();
        bool marked = done.Wait(60000);
        long kib = -1;
        if (marked && !p.HasExited)
            foreach (var line in File.ReadAllLines($"/proc/{p.Id}/status"))
                if (line.StartsWith("VmHWM:")) kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        try { p.StandardInput.Close(); } catch (IOException) { }
        if (!p.WaitForExit(10000)) p.Kill(true);
        string output; lock (seen) output = seen.ToString();
        Assert.True(marked, "no marker from the image:\n" + output);
        Assert.True(kib > 0, "VmHWM not read (the image exited?):\n" + output);
        return kib;
    }
}
