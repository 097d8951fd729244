// Why: the guest's ramdisk is hostile input. The cpio reader must list a real archive's
// files (made by cpio(1)) and stop with a reason — never read out of bounds — on bad magic,
// truncation at every byte, absurd sizes and unterminated names.
using System.Diagnostics;
using System.Text;
using LispVm.Kernel;
using Xunit;

namespace Image.Tests;

public unsafe class CpioArchiveTests
{
    static byte[] RealArchive()
    {
        string dir = Directory.CreateTempSubdirectory("lispvm-cpio-").FullName;
        File.WriteAllText(Path.Combine(dir, "a.lisp"), "(+ 1 2)\n");
        Directory.CreateDirectory(Path.Combine(dir, "d"));
        File.WriteAllText(Path.Combine(dir, "d", "b.txt"), "hello");
        string arc = Path.Combine(dir, "x.cpio");
        var psi = new ProcessStartInfo("sh", new[] { "-c", $"cd '{dir}' && find a.lisp d | LC_ALL=C sort | cpio -o -H newc --quiet > '{arc}'" });
        using (var p = Process.Start(psi)!) p.WaitForExit();
        byte[] b = File.ReadAllBytes(arc);
        Directory.Delete(dir, true);
        return b;
    }

    static List<string> Walk(byte[] data, out string error)
    {
        var names = new List<string>();
        fixed (byte* p = data)
        {
            var r = new CpioReader(p, data.Length);
            while (r.Next(out CpioEntry e))
                names.Add((e.IsRegularFile ? "f:" : "o:") + Encoding.UTF8.GetString(e.Name, e.NameLength) + "=" + Encoding.UTF8.GetString(e.Data, (int)e.DataLength));
            error = r.Error;
        }
        return names;
    }

    [Fact]
    public void A_real_archive_lists_its_files()
    {
        var names = Walk(RealArchive(), out string error);
        Assert.Null(error);
        Assert.Equal(new[] { "f:a.lisp=(+ 1 2)\n", "o:d=", "f:d/b.txt=hello" }, names);
    }

    [Fact]
    public void Hostile_archives_stop_with_a_reason()
    {
        byte[] good = RealArchive();
        // Truncated anywhere: never a fault, and never an entry past the cut.
        for (int cut = 0; cut < good.Length; cut++)
        {
            byte[] t = good.AsSpan(0, cut).ToArray();
            Walk(t, out _);
        }
        byte[] bad = (byte[])good.Clone(); bad[0] = (byte)'1';
        Walk(bad, out string e1); Assert.Contains("magic", e1);
        byte[] big = (byte[])good.Clone();
        Encoding.ASCII.GetBytes("7FFFFFFF").CopyTo(big, 6 + 8 * 6);     // c_filesize
        Walk(big, out string e2); Assert.Contains("truncated", e2);
        byte[] hex = (byte[])good.Clone(); hex[6 + 8 * 11] = (byte)'g';   // c_namesize not hex
        Walk(hex, out string e3); Assert.Contains("field", e3);
        var rnd = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            byte[] m = (byte[])good.Clone();
            for (int k = 0; k < 4; k++) m[rnd.Next(m.Length)] = (byte)rnd.Next(256);
            Walk(m, out _);
        }
    }
}
