// Why: issue 20's save/restore "done when", asserted from Dom0 with the real toolstack:
// `xl save` + `xl restore` keep a REPL session's definitions and heap data, a (loop) running
// during the save goes on after the restore and Ctrl-C ends it, the domid changes; 5 cycles
// leave (room)'s frame count where it was; `xl save -c` (checkpoint) leaves the original
// running and answering, and its file restores too; a local live migration
// (`xl migrate -s '' NAME 'xl migrate-receive'`) keeps the REPL answering with its data; a
// TCP session to the network REPL survives a restore. Restore and migration change the domid
// and the console pty: the test follows the domain by name (FollowRestart re-bridges the
// console) and reads what was printed before the bridge in xenconsoled's log. LISPVM_LAB=1.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

using static Image.Tests.Lab.LabRepl;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenSaveRestoreTests(LabFixture fixture, ITestOutputHelper log)
{
    private static readonly TimeSpan Follow = TimeSpan.FromSeconds(120), Long = TimeSpan.FromSeconds(120);
    private const string Resumed = @"xl restore: resumed in a new domain\r\n";

    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    private LabGuest Boot() =>
        BootToPrompt(fixture.Lab, new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: 32, Extra: "debugger=off"), out _);

    private static string Eval(LabGuest g, string form, TimeSpan? timeout = null)
    {
        g.SendLine(form);
        return g.Expect(@"\r\n([^\r\n]*)\r\n\* ", timeout ?? TimeSpan.FromSeconds(60)).Groups[1].Value;
    }

    // A little of everything on the heap: a vector, a list, a string, a function.
    private static void Define(LabGuest g)
    {
        Assert.Equal("*KEPT*", Eval(g, "(defvar *kept* (let ((v (make-array 5000))) (dotimes (i 5000 v) (setf (svref v i) (* i i)))))"));
        Assert.Equal("SQ", Eval(g, "(defun sq (x) (* x x))"));
        Assert.Equal("*WORDS*", Eval(g, "(defvar *words* (list \"kept\" 'across (sq 12)))"));
    }

    private static void Check(LabGuest g)
    {
        Assert.Equal("(24990001 \"KEPT\" ACROSS 144 3)", Eval(g, "(list (svref *kept* 4999) (string-upcase (first *words*)) (second *words*) (third *words*) (+ 1 2))"));
    }

    // xl save NAME FILE: the guest says it suspends, the domain is gone, the file is there.
    // libxl asks through the guest's suspend event channel (device/suspend/event-channel,
    // published again in every restored domain), not control/shutdown: its debug log says so.
    private void Save(LabGuest g, string file, string flags = "")
    {
        var sw = Stopwatch.StartNew();
        var r = fixture.Lab.Dom0($"xl -vvv save {flags} {g.Name} {file} 2>&1", Long);
        Say($"xl save {flags} {g.Name} (domid {g.DomId}): exit {r.ExitCode} after {sw.Elapsed.TotalSeconds:F1} s");
        Assert.True(r.ExitCode == 0, $"xl save failed:\n{r.Output}\nconsole:\n{g.Output}");
        Assert.True(r.Output.Contains("suspend request via event channel"),
            "libxl did not use the suspend event channel:\n" + string.Join("\n", r.Output.Split('\n').Where(l => l.Contains("suspend"))));
    }

    // xl restore FILE, then follow the name to the new domid and re-bridge the console.
    private void Restore(LabGuest g, string file, int restoresBefore)
    {
        int old = g.DomId;
        var sw = Stopwatch.StartNew();
        var r = fixture.Lab.Dom0($"xl restore {file} 2>&1", Long);
        Assert.True(r.ExitCode == 0, $"xl restore failed:\n{r.Output}");
        g.FollowRestart(Follow);
        Say($"xl restore: domid {old} -> {g.DomId} after {sw.Elapsed.TotalSeconds:F1} s");
        Assert.NotEqual(old, g.DomId);
        WaitForLogCount(g, Resumed, restoresBefore + 1);
    }

    // xenconsoled's log holds every incarnation: wait until the pattern occurs n times. A
    // migration's receiver runs as NAME--incoming until it is renamed, and xenconsoled may
    // have named its log after that: both logs count.
    private void WaitForLogCount(LabGuest g, string regex, int n)
    {
        var sw = Stopwatch.StartNew();
        for (;;)
        {
            string logText = fixture.Lab.ConsoleLog(g.Name) + fixture.Lab.ConsoleLog(g.Name + "--incoming");
            if (Regex.Matches(logText, regex).Count >= n) return;
            Assert.True(sw.Elapsed < Follow, $"/{regex}/ not {n} times in xenconsoled's log after {Follow.TotalSeconds} s:\n{logText}");
            Thread.Sleep(500);
        }
    }

    private static long Frames(LabGuest g)
    {
        g.SendLine("(room)");
        var m = g.Expect(@"Frames: ([\d,]+) committed[^\r]*the platform owns ([\d,]+)\r\n");
        g.Expect(Prompt);
        return long.Parse(m.Groups[2].Value.Replace(",", ""));
    }

    [LabFact]
    public void SaveRestoreKeepsTheSessionAndALoopGoesOn()
    {
        var g = Boot();
        try
        {
            Define(g);
            Check(g);
            g.SendLine("(progn (print 'looping) (loop))");
            g.Expect(@"\r\nLOOPING ", TimeSpan.FromSeconds(30));
            Thread.Sleep(1000);
            Save(g, "/tmp/sr1.save");
            Assert.Contains("xl save: suspending", fixture.Lab.ConsoleLog(g.Name));
            Assert.Equal(-1, fixture.Lab.DomIdOf(g.Name));                  // saved: the domain is gone
            Restore(g, "/tmp/sr1.save", 0);
            Thread.Sleep(1000);                                            // still looping in the new domain
            var sw = Stopwatch.StartNew();
            g.Send("\u0003");
            g.Expect(@";; Error: Interrupted\.\r\n\* ", TimeSpan.FromSeconds(30));
            Say($"Ctrl-C after restore to prompt: {sw.Elapsed.TotalSeconds:F2} s");
            Check(g);
            Assert.Equal("42", Eval(g, "(+ 40 2)"));
        }
        finally { g.Destroy(); fixture.Lab.Dom0("rm -f /tmp/sr1.save"); }
    }

    [LabFact]
    public void FiveSaveRestoreCyclesLeakNoFrames()
    {
        var g = Boot();
        try
        {
            Define(g);
            long before = Frames(g);
            int mibBefore = g.MemoryMiB();
            Say($"(room) before: the platform owns {before} frames; xl list {mibBefore} MiB");
            for (int cycle = 1; cycle <= 5; cycle++)
            {
                Save(g, "/tmp/sr5.save");
                Restore(g, "/tmp/sr5.save", cycle - 1);
                Check(g);
                Say($"cycle {cycle}: domid {g.DomId}, the platform owns {Frames(g)} frames");
            }
            long after = Frames(g);
            Assert.Equal(before, after);
            Assert.Equal(mibBefore, g.MemoryMiB());                      // the toolstack counts the same
        }
        finally { g.Destroy(); fixture.Lab.Dom0("rm -f /tmp/sr5.save"); }
    }

    [LabFact]
    public void CheckpointLeavesTheOriginalAnsweringAndItsFileRestores()
    {
        var g = Boot();
        try
        {
            Define(g);
            int id = g.DomId;
            Save(g, "/tmp/ckpt.save", "-c");
            g.Expect(@"xl save: suspend cancelled \(checkpoint\); running on\r\n", Long);
            Assert.Equal(id, fixture.Lab.DomIdOf(g.Name));                  // the same domain, running
            Check(g);
            Assert.Equal("*AFTER*", Eval(g, "(defvar *after* 'checkpoint)"));
            // The checkpoint itself restores (once the original is gone): without *after*.
            g.Destroy();
            Restore(g, "/tmp/ckpt.save", 0);
            g.SendLine("(list (boundp '*after*) (sq 11))");
            g.Expect(@"\r\n\(NIL 121\)\r\n\* ", Long);
            Check(g);
        }
        finally { g.Destroy(); fixture.Lab.Dom0("rm -f /tmp/ckpt.save"); }
    }

    [LabFact]
    public void LocalLiveMigrationKeepsTheReplAnswering()
    {
        var g = Boot();
        try
        {
            Define(g);
            // A mutator runs through the migration, so pages are dirtied while xl copies them
            // (the live part: log-dirty rounds, then the suspend): for 20 s of guest time it
            // rewrites a 20,000-slot vector with fresh conses, pass after pass, and then
            // answers with the number of passes. (Green threads run while the REPL evaluates,
            // not while it waits at the prompt, so the mutator is the REPL's own form.)
            Assert.Equal("*CHURN*", Eval(g, "(defvar *churn* (make-array 20000 :initial-element nil))"));
            g.SendLine("(let ((end (+ (get-internal-real-time) (* 20 internal-time-units-per-second))) (k 0)) " +
                "(loop while (< (get-internal-real-time) end) do (dotimes (i 20000) (setf (svref *churn* i) (list i k))) (incf k)) " +
                "(list :passes k))");
            Thread.Sleep(2000);                                            // running when xl starts
            int old = g.DomId;
            var sw = Stopwatch.StartNew();
            // -s '': no ssh, the "host" is the receiving command, run locally (needs twice the memory).
            var r = fixture.Lab.Dom0($"xl migrate -s '' {g.Name} 'xl migrate-receive' 2>&1", TimeSpan.FromMinutes(5));
            Say($"xl migrate: exit {r.ExitCode} after {sw.Elapsed.TotalSeconds:F1} s\n{r.Output.Trim()}");
            // The lab's Xen is bookworm's release build, with shadow paging (lab/build.sh): log-dirty
            // mode for a PV guest is shadow paging, and without it xl stops with "Failed to enable
            // logdirty: 95" before the guest is asked to suspend.
            Assert.True(r.ExitCode == 0, $"xl migrate failed:\n{r.Output}");
            g.FollowRestart(Follow);
            Assert.NotEqual(old, g.DomId);
            WaitForLogCount(g, Resumed, 1);
            // The mutator's form finishes in the new domain, and every slot it wrote is whole.
            var m = g.Expect(@"\(:PASSES (\d+)\)\r\n\* ", Long);
            Say($"mutator passes over the migration: {m.Groups[1].Value}");
            Assert.True(int.Parse(m.Groups[1].Value) > 0);
            Check(g);
            Assert.Equal("42", Eval(g, "(+ 40 2)"));
            Assert.Equal("T", Eval(g, "(loop for i below 20000 for e = (svref *churn* i) " +
                "always (and (consp e) (= (first e) i) (= (second e) (second (svref *churn* 0)))))"));
        }
        finally { g.Destroy(); }
    }

    // The network REPL over a restore on the same host: one TCP session opened before the
    // save answers after the restore (netfront renegotiated, the stack's state kept).
    [LabFact]
    public void ATcpSessionToTheNetworkReplSurvivesARestore()
    {
        const string Mac = "00:16:3e:4c:00:20", Ip = "10.0.0.20", Token = "lab-Save20";
        var lab = fixture.Lab;
        File.Copy(Path.Combine(KernelImage.RepoRoot(), "tests", "net", "repl_client.py"), Path.Combine(lab.Share, "repl_client.py"), true);
        // One session: (+ 1 2), then wait for /tmp/sr-net.go, then (* 6 7) on the same socket.
        File.WriteAllText(Path.Combine(lab.Share, "sr_session.py"),
            "import os, sys, time\nsys.path.insert(0, '/mnt/share')\nfrom repl_client import Session\n" +
            $"s = Session('{Ip}', 4005, '{Token}', timeout=60)\ns.prompt()\n" +
            "print('before:', s.eval('(+ 1 2)').decode().strip(), flush=True)\n" +
            "t = time.time()\nwhile not os.path.exists('/tmp/sr-net.go') and time.time() - t < 600: time.sleep(0.5)\n" +
            "print('after:', s.eval('(* 6 7)', timeout=120).decode().strip(), flush=True)\n");
        var g = lab.StartGuest(new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: 64,
            Extra: $"debugger=off ip={Ip}/24 gw=10.0.0.1 repl={Ip}:4005 repl-token={Token}", Vif: "mac=" + Mac + ",bridge=xenbr0"));
        try
        {
            g.Expect(BannerRe, BootLimit);
            g.Expect(@"net-repl: on 10\.0\.0\.20:4005, token required\r\n", BootLimit);
            g.Expect(Prompt, Long);
            lab.Dom0("rm -f /tmp/sr-net.go /tmp/sr-net.log");
            lab.Dom0Background("python3 /mnt/share/sr_session.py", "sr-net");
            var sw = Stopwatch.StartNew();
            while (!lab.Dom0("cat /tmp/sr-net.log").Output.Contains("before:") && sw.Elapsed < Long) Thread.Sleep(500);
            string first = lab.Dom0("cat /tmp/sr-net.log").Output;
            Assert.Contains("before: 3", first);
            Save(g, "/tmp/srnet.save");
            Restore(g, "/tmp/srnet.save", 0);
            g.ExpectInLog(@"net: reconnected after the restore\r\n", Follow);
            lab.Dom0("touch /tmp/sr-net.go");
            sw.Restart();
            string text = "";
            while (sw.Elapsed < Long && !(text = lab.Dom0("cat /tmp/sr-net.log").Output).Contains("after:")) Thread.Sleep(1000);
            Say($"session across the restore:\n{text.Trim()}");
            Assert.Contains("after: 42", text);
        }
        finally { g.Destroy(); lab.Dom0("rm -f /tmp/srnet.save /tmp/sr-net.go"); }
    }
}
