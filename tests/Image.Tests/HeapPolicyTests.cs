// Why: the two heap-sizing policies of the GC-vs-paging process arm (issue 18). "Sized for
// the machine": --heap-limit wins over a lower memory cgroup limit, so the process can be
// paged. heap-policy=cgroup: the limit is the cgroup's (less 1/8), read again after
// collections, so lowering it mid-run lowers the heap's limit, and live data above it is a
// storage-condition the session survives. Creates a memory cgroup as root (v2 with the
// memory controller, else v1); skips, saying nothing, where it cannot.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Image.Tests;

public class HeapPolicyTests
{
    sealed class Cgroup : IDisposable
    {
        public readonly string Dir, LimitFile;
        Cgroup(string dir, string limitFile) { Dir = dir; LimitFile = Path.Combine(dir, limitFile); }

        public static Cgroup Create(string tag, long limit)
        {
            string name = "lispvm-" + tag + "-" + Environment.ProcessId;
            string dir = null, file = null;
            if (File.Exists("/sys/fs/cgroup/cgroup.subtree_control") &&
                File.ReadAllText("/sys/fs/cgroup/cgroup.subtree_control").Contains("memory"))
            { dir = "/sys/fs/cgroup/" + name; file = "memory.max"; }
            else if (File.Exists("/sys/fs/cgroup/memory/cgroup.procs"))
            { dir = "/sys/fs/cgroup/memory/" + name; file = "memory.limit_in_bytes"; }
            if (dir == null) return null;
            var c = new Cgroup(dir, file);
            try { Directory.CreateDirectory(dir); c.SetLimit(limit); }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                try { Directory.Delete(dir); } catch (Exception) { }
                return null;
            }
            return c;
        }

        public void SetLimit(long bytes) { File.WriteAllText(LimitFile, bytes.ToString()); }

        public Process Start(string args)
        {
            var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", $"echo $$ > {Dir}/cgroup.procs && exec \"$0\" {args}", KernelImage.ReplPath() })
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            return Process.Start(psi)!;
        }

        public void Dispose()
        {
            for (int i = 0; i < 50; i++)
            {
                try { Directory.Delete(Dir); break; }
                catch (IOException) { Thread.Sleep(100); }   // the process is still leaving the cgroup
            }
        }
    }

    const string PrintLimit = "(format t \"LIMIT=~D~%\" (getf (gc-stats) :limit-bytes))\n";

    static long NextLimit(StreamReader r)
    {
        string line;
        while ((line = r.ReadLine()) != null)
        {
            var m = Regex.Match(line, @"LIMIT=(\d+)");
            if (m.Success) return long.Parse(m.Groups[1].Value);
        }
        Assert.Fail("no LIMIT line before the end of output");
        return 0;
    }

    static string ReadUntil(StreamReader r, string marker)
    {
        var sb = new System.Text.StringBuilder();
        string line;
        while ((line = r.ReadLine()) != null)
        {
            sb.Append(line).Append('\n');
            if (line.Contains(marker)) return sb.ToString();
        }
        Assert.Fail("no " + marker + " before the end of output:\n" + sb);
        return sb.ToString();
    }

    [Fact]
    public void HeapLimitOptionIsNotCappedByTheCgroup()
    {
        using var cg = Cgroup.Create("machine", 200L << 20);
        if (cg == null) return;
        using var p = cg.Start("--heap-limit=1000");
        p.StandardInput.Write(PrintLimit);
        p.StandardInput.Close();
        long limit = NextLimit(p.StandardOutput);
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30000));
        Assert.Equal(1000L << 20, limit);
    }

    [Fact]
    public void HeapPolicyCgroupFollowsTheLimitDownAndUp()
    {
        using var cg = Cgroup.Create("follow", 400L << 20);
        if (cg == null) return;
        using var p = cg.Start("heap-policy=cgroup --heap-limit=2000");
        var input = p.StandardInput;
        // Allocation in a Lisp loop: collections, and VM polls after them.
        const string Churn = "(let ((k nil)) (dotimes (i 1000000) (setq k (list i i i i))) (length k))\n";
        input.Write(PrintLimit); input.Flush();
        Assert.Equal((400L << 20) - (400L << 20) / 8, NextLimit(p.StandardOutput));   // the option is ignored
        cg.SetLimit(200L << 20);
        input.Write(Churn + PrintLimit); input.Flush();
        Assert.Equal((200L << 20) - (200L << 20) / 8, NextLimit(p.StandardOutput));
        // Live data above the new limit: a storage-condition, then the session goes on.
        input.Write("(handler-case (length (make-list 12000000)) (storage-condition () (format t \"CAUGHT~%\")))\n");
        input.Write("(format t \"SUM=~D~%\" (+ 40 2))\n");
        input.Flush();
        string seen = ReadUntil(p.StandardOutput, "SUM=");
        Assert.Contains("CAUGHT", seen);
        // Only now (the forms above ran under 175 MiB): up again.
        cg.SetLimit(300L << 20);
        input.Write(Churn + PrintLimit); input.Flush();
        input.Close();
        string rest = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60000));
        Assert.Equal(0, p.ExitCode);
        var m = Regex.Match(rest, @"LIMIT=(\d+)");
        Assert.True(m.Success, rest);
        Assert.Equal((300L << 20) - (300L << 20) / 8, long.Parse(m.Groups[1].Value));
        Assert.DoesNotContain("PANIC", seen + rest);
    }
}
