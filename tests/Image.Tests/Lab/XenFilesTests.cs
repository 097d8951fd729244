// Why: issue 7's "loading code into the guest": a directory packed as the domain's ramdisk
// (cpio newc, as lab/run.sh --files does) becomes the guest's in-memory file store — LOAD
// runs a file from it, WITH-OPEN-FILE reads a data file, a file written in the guest reads
// back, a missing file is a FILE-ERROR. LISPVM_LAB=1.
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenFilesTests(LabFixture fixture, ITestOutputHelper log)
{
    static string PackCpio(string dir)
    {
        string archive = Path.Combine(Path.GetTempPath(), $"lispvm-files-{Environment.ProcessId}.cpio");
        var psi = new ProcessStartInfo("sh", new[] { "-c", $"cd '{dir}' && find . -type f | LC_ALL=C sort | cpio -o -H newc --quiet > '{archive}'" });
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "cpio failed (apt-get install cpio)");
        return archive;
    }

    [LabFact]
    public void RamdiskFilesLoadAndReadInTheGuest()
    {
        string dir = Directory.CreateTempSubdirectory("lispvm-files-").FullName;
        File.WriteAllText(Path.Combine(dir, "code.lisp"), "(defun from-ramdisk (x) (* x 111))\n(defvar *loaded* :yes)\n");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllText(Path.Combine(dir, "sub", "data.txt"), "line one\nline two\n");
        string archive = PackCpio(dir);
        var g = fixture.Lab.StartGuest(new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: 64, Extra: "debugger=off", Ramdisk: archive));
        var seeded = g.Expect(@"ramdisk: (\d+) files, (\d+) bytes in the file store\r\n", TimeSpan.FromSeconds(90));
        log.WriteLine(seeded.Value.Trim());
        Assert.Equal("2", seeded.Groups[1].Value);
        g.Expect(@"\* ", TimeSpan.FromSeconds(90));
        g.SendLine("(load \"code.lisp\")");
        g.Expect(@"\r\nT\r\n\* ", TimeSpan.FromSeconds(30));
        g.SendLine("(list (from-ramdisk 3) *loaded*)");
        g.Expect(@"\r\n\(333 :YES\)\r\n\* ");
        g.SendLine("(with-open-file (s \"sub/data.txt\") (list (read-line s) (read-line s) (read-line s nil :eof)))");
        g.Expect(@"\r\n\(""line one"" ""line two"" :EOF\)\r\n\* ");
        g.SendLine("(with-open-file (s \"out.txt\" :direction :output) (format s \"~a~%\" (from-ramdisk 2)))");
        g.Expect(@"\r\nNIL\r\n\* ");
        g.SendLine("(with-open-file (s \"out.txt\") (read s))");
        g.Expect(@"\r\n222\r\n\* ");
        g.SendLine("(handler-case (load \"missing.lisp\") (file-error (c) (princ-to-string c)))");
        g.Expect(@"no such file or directory\.""\r\n\* ");
        g.SendLine("(quit)");
        bool gone = g.WaitGoneOrCrashed(TimeSpan.FromSeconds(30), out string state);
        Assert.True(gone, $"after (quit) the domain should be gone, state '{state}'");
        File.Delete(archive);
        Directory.Delete(dir, true);
    }
}
