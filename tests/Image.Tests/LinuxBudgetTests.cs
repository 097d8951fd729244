// Why: the image as a Linux process takes its heap budget from --heap-limit, the
// environment, the memory cgroup or physical memory (issue 12 item 6), and running past it
// is a storage-condition the session survives, never a crash. The cgroup test creates a
// memory cgroup as root and starts the image inside it; it skips where it cannot.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Image.Tests;

public class LinuxBudgetTests
{
    static long Limit(string stdout)
    {
        var m = Regex.Match(stdout, @"LIMIT=(\d+)");
        Assert.True(m.Success, "no limit printed:\n" + stdout);
        return long.Parse(m.Groups[1].Value);
    }

    const string PrintLimit = "(format t \"LIMIT=~D~%\" (svref (%heap-stats) 2))\n";

    [Fact]
    public void HeapLimitOptionIsHonouredAndRunningPastItIsAStorageCondition()
    {
        string input = PrintLimit +
            "(defparameter *x* (make-list 20000000))\n" +
            "(setq *x* nil)\n" +
            "(handler-case (make-array 20000000) (storage-condition () 'big-caught))\n" +
            "(+ 40 2)\n";
        var r = KernelImage.Run(input, 60000, image: KernelImage.ReplPath(), args: "--heap-limit=64");
        Assert.False(r.TimedOut);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(64L << 20, Limit(r.Stdout));
        Assert.Contains(";; Error: Heap exhausted.", r.Stdout);
        Assert.Contains("BIG-CAUGHT", r.Stdout);
        Assert.Contains("\n42\n", r.Stdout);
        Assert.DoesNotContain("PANIC", r.Stdout + r.Stderr);
    }

    [Fact]
    public void WithoutAnOptionTheBudgetComesFromCgroupOrPhysicalMemory()
    {
        var r = KernelImage.Run(PrintLimit, 30000, image: KernelImage.ReplPath());
        Assert.Equal(0, r.ExitCode);
        long limit = Limit(r.Stdout);
        long phys = PhysicalBytes();
        Assert.True(limit <= phys, $"limit {limit} above physical memory {phys}");
        Assert.True(limit >= 24L << 20, $"limit {limit}");
    }

    static long PhysicalBytes()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemTotal:")) return long.Parse(Regex.Match(line, @"\d+").Value) * 1024;
        return long.MaxValue;
    }

    [Fact]
    public void TheBudgetFollowsTheMemoryCgroup()
    {
        // cgroup v2 (memory controller enabled at the root) or v1's memory hierarchy.
        string? dir = null, limitFile = null;
        string name = "lispvm-test-" + Environment.ProcessId;
        if (File.Exists("/sys/fs/cgroup/cgroup.subtree_control") &&
            File.ReadAllText("/sys/fs/cgroup/cgroup.subtree_control").Contains("memory"))
        { dir = "/sys/fs/cgroup/" + name; limitFile = "memory.max"; }
        else if (Directory.Exists("/sys/fs/cgroup/memory") && File.Exists("/sys/fs/cgroup/memory/cgroup.procs"))
        { dir = "/sys/fs/cgroup/memory/" + name; limitFile = "memory.limit_in_bytes"; }
        if (dir == null) return;                        // no memory cgroup here: nothing to check
        try { Directory.CreateDirectory(dir); File.WriteAllText(Path.Combine(dir, limitFile!), (200L << 20).ToString()); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            try { Directory.Delete(dir); } catch (Exception) { }
            return;                                     // not writable (not root): skip
        }
        try
        {
            var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", $"echo $$ > {dir}/cgroup.procs && exec \"$0\"", KernelImage.ReplPath() })
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            p.StandardInput.Write(PrintLimit);
            p.StandardInput.Close();
            string stdout = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(30000));
            Assert.Equal(0, p.ExitCode);
            long expect = (200L << 20) - (200L << 20) / 8;  // 1/8 kept for what the heap costs outside its limit
            Assert.Equal(expect, Limit(stdout));
        }
        finally
        {
            for (int i = 0; i < 50; i++)
            {
                try { Directory.Delete(dir); break; }
                catch (IOException) { Thread.Sleep(100); }   // the process is still leaving the cgroup
            }
        }
    }
}
