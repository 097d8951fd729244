// Why: the same file must be a Linux static executable and a Xen PV kernel. Checks the
// ELF header and program headers, the Xen notes (both through `readelf -n` and through
// our own note parser, which knows the Xen type numbers), ENTRY != e_entry, and the size.
using System.Diagnostics;
using System.Text;
using Xunit;

namespace Image.Tests;

public class ElfImageTests
{
    private static byte[] Image() => File.ReadAllBytes(KernelImage.Path_());

    private static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);
    private static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
    private static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, (int)o);

    private record Phdr(uint Type, uint Flags, ulong Offset, ulong Vaddr, ulong Paddr, ulong FileSize, ulong MemSize);

    private static List<Phdr> Phdrs(byte[] b)
    {
        var list = new List<Phdr>();
        ulong phoff = U64(b, 32);
        int phentsize = U16(b, 54), phnum = U16(b, 56);
        for (int i = 0; i < phnum; i++)
        {
            long o = (long)phoff + i * phentsize;
            list.Add(new Phdr(U32(b, o), U32(b, o + 4), U64(b, o + 8), U64(b, o + 16), U64(b, o + 24), U64(b, o + 32), U64(b, o + 40)));
        }
        return list;
    }

    // Xen notes by type: raw descriptor bytes.
    private static Dictionary<uint, byte[]> XenNotes(byte[] b)
    {
        var notes = new Dictionary<uint, byte[]>();
        foreach (var ph in Phdrs(b).Where(p => p.Type == 4 /* PT_NOTE */))
        {
            long o = (long)ph.Offset, end = o + (long)ph.FileSize;
            while (o + 12 <= end)
            {
                uint namesz = U32(b, o), descsz = U32(b, o + 4), type = U32(b, o + 8);
                string name = Encoding.ASCII.GetString(b, (int)o + 12, (int)Math.Max(0, namesz - 1));
                long desc = o + 12 + ((namesz + 3) & ~3u);
                if (name == "Xen") notes[type] = b[(int)desc..(int)(desc + descsz)];
                o = desc + ((descsz + 3) & ~3u);
            }
        }
        return notes;
    }

    private static string Str(byte[] d) => Encoding.ASCII.GetString(d).TrimEnd('\0');

    [Fact]
    public void IsAStaticX86_64Executable()
    {
        var b = Image();
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1 }, b[..6]); // ELF64, little endian
        Assert.Equal(2, U16(b, 16));        // ET_EXEC
        Assert.Equal(62, U16(b, 18));       // EM_X86_64
        var ph = Phdrs(b);
        Assert.DoesNotContain(ph, p => p.Type == 3);                 // no PT_INTERP
        Assert.DoesNotContain(ph, p => p.Type == 2);                 // no PT_DYNAMIC
        Assert.Contains(ph, p => p.Type == 0x6474e551);             // PT_GNU_STACK
        var loads = ph.Where(p => p.Type == 1).ToList();
        Assert.NotEmpty(loads);
        Assert.Equal(0x400000ul, loads.Min(p => p.Vaddr));
    }

    [Fact]
    public void HasTheXenNotesWithTheRightValues()
    {
        var b = Image();
        var n = XenNotes(b);
        Assert.Equal("xen-3.0", Str(n[5]));          // XEN_VERSION
        Assert.Equal("generic", Str(n[8]));          // LOADER
        Assert.Equal("LispVm", Str(n[6]));           // GUEST_OS
        Assert.Equal(0x400000ul, U64(n[3], 0));      // VIRT_BASE
        // Xen loads a segment at p_paddr + (VIRT_BASE - PADDR_OFFSET): that must be p_vaddr
        // (p_paddr = p_vaddr with PADDR_OFFSET = VIRT_BASE, or p_paddr from 0 with PADDR_OFFSET 0).
        ulong paddrOffset = U64(n[4], 0);
        foreach (var load in Phdrs(b).Where(p => p.Type == 1))
            Assert.Equal(load.Vaddr, load.Paddr + 0x400000ul - paddrOffset);
        ulong hypercallPage = U64(n[2], 0);          // HYPERCALL_PAGE: page aligned, inside a PT_LOAD
        Assert.Equal(0ul, hypercallPage & 0xFFF);
        Assert.Contains(Phdrs(b), p => p.Type == 1 && hypercallPage >= p.Vaddr && hypercallPage + 4096 <= p.Vaddr + p.FileSize);
        ulong entry = U64(n[1], 0);                  // ENTRY: inside the image
        Assert.Contains(Phdrs(b), p => p.Type == 1 && entry >= p.Vaddr && entry < p.Vaddr + p.FileSize);
    }

    [Fact]
    public void XenEntryDiffersFromLinuxEntry()
    {
        var b = Image();
        ulong eEntry = U64(b, 24);
        ulong xenEntry = U64(XenNotes(b)[1], 0);
        Assert.NotEqual(0ul, eEntry);
        Assert.NotEqual(eEntry, xenEntry);
    }

    [Fact]
    public void ReadelfListsTheXenNotes()
    {
        var psi = new ProcessStartInfo("readelf", $"-n -W {KernelImage.Path_()}") { RedirectStandardOutput = true, RedirectStandardError = true };
        string output;
        try
        {
            using var p = Process.Start(psi)!;
            output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("readelf not found: apt-get install binutils");
            return;
        }
        Assert.Contains(".note.Xen", output);
        int xenNotes = output.Split('\n').Count(l => l.TrimStart().StartsWith("Xen "));
        Assert.True(xenNotes >= 7, $"expected at least 7 Xen notes, readelf shows {xenNotes}:\n{output}");
        Assert.Contains("78 65 6e 2d 33 2e 30 00", output);   // "xen-3.0"
        Assert.Contains("67 65 6e 65 72 69 63 00", output);   // "generic"
    }

    [Fact]
    public void ImageIsUnderOneMebibyte()
    {
        long size = new FileInfo(KernelImage.Path_()).Length;
        Assert.True(size < 1024 * 1024, $"image is {size} bytes, limit 1 MiB");
    }
}
